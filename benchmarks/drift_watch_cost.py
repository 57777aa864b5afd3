"""What live drift monitoring adds per analysed frame: the bench frame analysed as a stream, with and without
the drift monitor (window 300, checked every 100 faces), measuring every frame and one in two.

    PYTHONPATH=src python benchmarks/drift_watch_cost.py --frame ../shared/bench/astronaut_640x480.png

Prints JSON: the median analysis ms/frame, the measuring ms/face, a check's ms, and the added ms/frame
(measuring plus the checks spread over the faces between them) for ``every`` = 1 and 2.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from emolens.monitoring import Measurements, compare
from emolens.monitoring.watch import DriftWatch, WatchOptions
from emolens.storage import Store
from emolens.vision.io import Frame, read_image
from emolens.vision.pipeline import Analyzer


def _median_ms(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frame", type=Path, default=Path("../shared/bench/astronaut_640x480.png"))
    parser.add_argument("--repeats", type=int, default=100)
    args = parser.parse_args()
    image = read_image(args.frame)
    analyzer = Analyzer(small_faces="never")
    tracker = analyzer.new_tracker()
    analyse_ms = _median_ms(lambda: analyzer.analyze_frame(Frame(0, 0.0, image), tracker), args.repeats)
    faces = [p.face for p in analyzer.analyze_frame(Frame(0, 0.0, image), tracker).predictions]
    with tempfile.TemporaryDirectory() as folder:
        store = Store(f"sqlite:///{folder}/cost.db")
        options = WatchOptions(window=300, check_every=100, every=1)
        watch = DriftWatch(store, "live", options)
        measure_ms = _median_ms(lambda: watch._measure(image, faces), args.repeats)
        recent = Measurements.concat([watch._measure(image, faces) for _ in range(options.window)])
        check_ms = _median_ms(lambda: compare(watch.profile, recent), 5)
        store.close()
    per_face = measure_ms / max(1, len(faces))
    added = {every: round((measure_ms + check_ms * len(faces) / options.check_every) / every, 2) for every in (1, 2)}
    print(
        json.dumps(
            {
                "frame": str(args.frame),
                "faces": len(faces),
                "analyse_ms_per_frame": round(analyse_ms, 2),
                "measure_ms_per_face": round(per_face, 2),
                "check_ms": round(check_ms, 1),
                "added_ms_per_frame": added,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
