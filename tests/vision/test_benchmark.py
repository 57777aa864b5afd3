from __future__ import annotations

from pathlib import Path

from emolens.vision.benchmark import bench_frames


def test_bench_frames_are_generated_without_the_shared_folder(tmp_path: Path, analyzer) -> None:
    frames = bench_frames(tmp_path / "absent")
    assert {k: v.shape for k, v in frames.items()} == {"1 face": (480, 640, 3), "4 faces": (480, 640, 3)}
    assert [len(analyzer.analyze(frames[k])) for k in ("1 face", "4 faces")] == [1, 4]
