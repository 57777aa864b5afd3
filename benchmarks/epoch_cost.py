"""The CPU time of one epoch of a training config, extrapolated from a short one, beside the flagship config
measured the same way (so a busy machine's slowdown cancels in the ratio).

    PYTHONPATH=src nice python benchmarks/epoch_cost.py configs/v3-robust.toml --limit-per-class 300

Each config trains one epoch on ``--limit-per-class`` images per class (with its averages, if any, kept
from that epoch on, so their BatchNorm pass and validation are timed too). The training steps' seconds per
image times the full Training split (28,709 faces) plus the epoch's fixed cost (validation on PublicTest, and
per average a BatchNorm pass and a validation) is the full epoch's estimate.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from emolens.training.config import load_config
from emolens.training.loop import train

TRAINING_FACES = 28_709


def epoch_seconds(config: Path, limit_per_class: int, out: Path) -> dict[str, float]:
    cfg = load_config(config)
    cfg = replace(cfg, epochs=1, limit_per_class=limit_per_class, swa_epochs=min(cfg.swa_epochs, 1), swa_lr=0.0)
    marks: list[float] = []
    train(cfg, out, on_step=lambda epoch, step, steps: marks.append(time.perf_counter()))
    end = time.perf_counter()
    steps = len(marks)
    per_image = (marks[-1] - marks[0]) / (7 * limit_per_class * (steps - 1) / steps)  # the first step warms up
    fixed = end - marks[-1]
    return {"s_per_image": per_image, "fixed_s": fixed, "estimate_s": per_image * TRAINING_FACES + fixed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("config", type=Path)
    parser.add_argument("--baseline", type=Path, default=Path("configs/flagship-vgg-l.toml"))
    parser.add_argument("--limit-per-class", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for config in (args.baseline, args.config):
            cost = epoch_seconds(config, args.limit_per_class, Path(folder) / config.stem)
            print(
                f"{config.name:24s} {1000 * cost['s_per_image']:6.2f} ms per training image, fixed "
                f"{cost['fixed_s']:5.1f} s per epoch -> {cost['estimate_s'] / 60:5.1f} min per full epoch"
            )


if __name__ == "__main__":
    main()
