"""`emolens batch` throughput: frames per second with 1 and 2 local workers, and on a Ray cluster.

    PYTHONPATH=src nice python benchmarks/batch.py                       # local workers only
    PYTHONPATH=src nice python benchmarks/batch.py --ray 127.0.0.1:6379  # and on that Ray head

One 640x360 video of a face (scikit-image's astronaut drifting; 120 s at 10 fps by default), every frame
analysed, in units of 25 frames. Throughput counts the frames analysed after each run's first unit ended,
over the time since, so worker start-up (process spawn, model load) is left out; the total wall time is
shown beside it. Every run's faces.parquet must equal the 1-worker run's.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import pyarrow.parquet as pq
from skimage.data import astronaut

from emolens.batch import BatchOptions, LocalRunner, RayRunner, Runner, run_batch


def write_video(path: Path, seconds: int, fps: float = 10.0) -> Path:
    face = cv2.resize(cv2.cvtColor(astronaut(), cv2.COLOR_RGB2BGR), (240, 240))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (640, 360))
    for i in range(int(seconds * fps)):
        canvas = np.full((360, 640, 3), 100, np.uint8)
        x = 40 + (i * 3) % 320
        canvas[60:300, x : x + 240] = face
        writer.write(canvas)
    writer.release()
    return path


def measure(name: str, runner: Runner, video: Path, out: Path, options: BatchOptions) -> dict:
    marks: list[tuple[float, int]] = []
    start = time.perf_counter()
    run_batch([video], out, options, runner, progress=lambda done, total: marks.append((time.perf_counter(), done)))
    wall_s = time.perf_counter() - start
    (first_t, first_done), (last_t, last_done) = marks[1], marks[-1]
    fps = (last_done - first_done) / (last_t - first_t)
    print(f"{name:10s} {runner.workers} workers  {fps:6.1f} frames/s  ({last_done} frames, {wall_s:.1f} s in all)")
    return {"name": name, "frames_per_s": fps, "wall_s": wall_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=120, help="Video length (10 fps).")
    parser.add_argument("--ray", metavar="ADDRESS", help="Also run on the Ray cluster at ADDRESS (2 actors).")
    args = parser.parse_args()
    options = BatchOptions(sample_fps=10, unit_frames=25)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        video = write_video(root / "face.avi", args.seconds)
        runs = [("local", LocalRunner(options, workers=1)), ("local", LocalRunner(options, workers=2))]
        if args.ray:
            runs.append(("ray", RayRunner(options, None, args.ray, workers=2)))
        results = []
        for i, (name, runner) in enumerate(runs):
            results.append(measure(name, runner, video, root / f"out{i}", options))
            same = pq.read_table(root / f"out{i}" / "faces.parquet").equals(
                pq.read_table(root / "out0" / "faces.parquet")
            )
            assert same, f"run {i} ({name}) differs from the 1-worker run"
    base = results[0]["frames_per_s"]
    for r in results[1:]:
        print(f"{r['name']} with 2 workers: {r['frames_per_s'] / base:.2f}x the frames/s of 1 local worker")


if __name__ == "__main__":
    main()
