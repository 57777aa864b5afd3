"""Speed measurements behind `emolens bench`: classifier throughput and whole-pipeline latency."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from emolens.errors import DataLayoutError
from emolens.types import FrameResult
from emolens.vision.io import Frame, read_image
from emolens.vision.pipeline import Analyzer

__all__ = ["BENCH_FRAMES_DIR", "BENCH_FRAME_FILES", "bench_frames", "run_bench", "time_call"]

BENCH_FRAMES_DIR = Path(__file__).with_name("bench_frames")  # shipped in the package; its README says whence
BENCH_FRAME_FILES = {"1 face": "astronaut_640x480.png", "4 faces": "astronaut4_640x480.png"}


def time_call(fn: Callable[[], object], repeat: int, warmup: int = 5) -> np.ndarray:
    """Wall-clock milliseconds of ``repeat`` calls of ``fn`` after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return np.asarray(times)


def bench_frames(folder: Path | None = None) -> dict[str, np.ndarray]:
    """The 640x480 benchmark frames, one face and four: ``folder``'s files (default: those shipped in the package).

    Raises ``DataLayoutError`` naming the missing files when ``folder`` lacks one.
    """
    root = folder or BENCH_FRAMES_DIR
    missing = [name for name in BENCH_FRAME_FILES.values() if not (root / name).is_file()]
    if missing:
        raise DataLayoutError(
            f"{root} lacks the benchmark frame(s) {', '.join(missing)}; "
            f"copy them there from {BENCH_FRAMES_DIR}, or name no folder (--frames, $EMOLENS_BENCH_DIR) to time those"
        )
    return {label: read_image(root / name) for label, name in BENCH_FRAME_FILES.items()}


def _stream_once(analyzer: Analyzer, frame: Frame) -> list[FrameResult]:
    """One frame through the stream pipeline (fresh tracker), as the stream benchmark times it."""
    return list(analyzer.analyze_frames([frame]))


def _stats(times_ms: np.ndarray) -> dict[str, float]:
    return {
        "median_ms": float(np.median(times_ms)),
        "p90_ms": float(np.percentile(times_ms, 90)),
        "mean_ms": float(times_ms.mean()),
    }


def run_bench(analyzer: Analyzer, repeat: int = 100, frames_dir: Path | None = None) -> dict[str, Any]:
    """Classifier faces/s at batch 1 and 64, and stream-pipeline ms per frame on the benchmark frames
    (``frames_dir``'s, default: the shipped ones)."""
    frames = bench_frames(frames_dir)
    size = analyzer.classifier.card.input_size
    rng = np.random.default_rng(0)
    result: dict[str, Any] = {
        "model": f"{analyzer.classifier.card.name} {analyzer.classifier.card.version}",
        "machine": (
            f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
        ),
        "classifier": {},
        "pipeline": {},
    }
    for batch in (1, 64):
        faces = rng.integers(0, 256, (batch, size, size), dtype=np.uint8)
        times = time_call(
            partial(analyzer.classifier.predict_proba, faces), repeat if batch == 1 else max(10, repeat // 5)
        )
        per_face = np.median(times) / batch
        result["classifier"][f"batch_{batch}"] = {"ms_per_face": float(per_face), "faces_per_s": float(1000 / per_face)}
    for name, image in frames.items():
        frame = Frame(0, 0.0, image)
        found = len(next(iter(analyzer.analyze_frames([frame]))).predictions)
        stream = time_call(partial(_stream_once, analyzer, frame), repeat)
        detect = time_call(partial(analyzer.detector.detect, image), repeat)
        still = time_call(partial(analyzer.analyze, image), max(10, repeat // 5))
        result["pipeline"][name] = {
            "faces_found_stream": found,
            "faces_found_still": len(analyzer.analyze(image)),
            "stream": _stats(stream),
            "detection": _stats(detect),
            "still_image": _stats(still),
        }
    return result
