from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from emolens.errors import DataLayoutError
from emolens.vision.benchmark import BENCH_FRAME_FILES, BENCH_FRAMES_DIR, bench_frames

# The frames as first published in the project's shared benchmark folder (figures in docs/benchmarks.md).
SHA256_PREFIX = {"astronaut_640x480.png": "975f15752800f485", "astronaut4_640x480.png": "217dc50a086ca6f2"}


def test_the_shipped_frames_are_the_benchmark_frames(tiny_analyzer) -> None:
    names = BENCH_FRAME_FILES.values()
    digests = {n: hashlib.sha256((BENCH_FRAMES_DIR / n).read_bytes()).hexdigest()[:16] for n in names}
    assert digests == SHA256_PREFIX
    frames = bench_frames()
    assert {k: v.shape for k, v in frames.items()} == {"1 face": (480, 640, 3), "4 faces": (480, 640, 3)}
    assert [len(tiny_analyzer.analyze(frames[k])) for k in ("1 face", "4 faces")] == [1, 4]


def test_another_folder_is_read(tmp_path: Path) -> None:
    for name in BENCH_FRAME_FILES.values():
        shutil.copy(BENCH_FRAMES_DIR / "astronaut_640x480.png", tmp_path / name)
    frames = bench_frames(tmp_path)
    assert (frames["4 faces"] == frames["1 face"]).all()


def test_a_folder_without_the_frames_is_refused(tmp_path: Path) -> None:
    shutil.copy(BENCH_FRAMES_DIR / "astronaut_640x480.png", tmp_path)
    with pytest.raises(
        DataLayoutError, match=r"lacks the benchmark frame\(s\) astronaut4_640x480\.png; copy them .*--frames"
    ):
        bench_frames(tmp_path)
