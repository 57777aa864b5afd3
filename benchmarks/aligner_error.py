"""How far the served crop's framing strays from FER2013's: the strength of the training's box jitter
(AugmentConfig.box_scale_sd and box_shift_sd).

    PYTHONPATH=src nice python benchmarks/aligner_error.py --data ../shared/data/fer2013 --limit 280 --seed 0

A balanced sample of FER2013 Training faces is pasted into 640 x 480 frames as `emolens robustness` pastes
them (a cluttered background at 64, 96 and 160 px; 96 px on grey and on pixel noise), found by the still-photo
detector (`Analyzer.analyze`) and framed by the aligner (`vision/align.py`). Per face found, the affine map
from the original 48 x 48 crop to the aligned crop (paste, then align) is split into its scale, its rotation
and the move of the crop's centre (a fraction of the side): the identity would be a perfect match. Printed per
condition and pooled: mean and sd of log(scale), of the move along x and y and of the rotation; the pooled sds
are the jitter's strengths.
"""

from __future__ import annotations

import argparse
import json
import math

import numpy as np

from emolens import Analyzer
from emolens.data.facesets import load_faceset
from emolens.evaluation.samples import balanced_indices
from emolens.evaluation.scenes import Condition, render
from emolens.types import Face
from emolens.vision.align import alignment_matrix

CONDITIONS = [
    Condition("clutter-64", 64),
    Condition("clutter-96", 96),
    Condition("clutter-160", 160),
    Condition("grey-96", 96, "grey"),
    Condition("noise-96", 96, "noise"),
]
SIZE = 48


def crop_to_aligned(face: Face, box: tuple[int, int, int, int]) -> np.ndarray:
    """The 3 x 3 map from pixels of the original crop to pixels of the aligned crop."""
    x1, y1, x2, _ = box
    k = (x2 - x1) / SIZE  # cv2.resize's pixel-centre convention: u -> x1 + (u + 0.5) k - 0.5
    paste = np.array([[k, 0, x1 + 0.5 * k - 0.5], [0, k, y1 + 0.5 * k - 0.5], [0, 0, 1]])
    return np.vstack([alignment_matrix(face, SIZE), [0, 0, 1]]) @ paste


def framing_error(matrix: np.ndarray) -> tuple[float, float, float, float]:
    """(log scale, move x, move y as fractions of the side, rotation in degrees) of a crop-to-aligned map."""
    linear = matrix[:2, :2]
    centre = np.array([(SIZE - 1) / 2, (SIZE - 1) / 2, 1.0])
    move = (matrix @ centre)[:2] - centre[:2]
    angle = math.degrees(math.atan2(linear[1, 0], linear[0, 0]))
    return math.log(math.sqrt(abs(np.linalg.det(linear)))), move[0] / SIZE, move[1] / SIZE, angle


def measure(analyzer: Analyzer, images: np.ndarray, condition: Condition, seed: int, index: int) -> np.ndarray:
    """One row per face found: log scale, move x, move y, rotation."""
    rows = []
    for i, image in enumerate(images):
        frame, box = render(image, condition, np.random.default_rng([seed, index, i]))
        x1, y1, x2, y2 = box
        found = [
            p.face
            for p in analyzer.analyze(frame)
            if x1 <= p.face.bbox.center[0] <= x2 and y1 <= p.face.bbox.center[1] <= y2
        ]
        if found:
            rows.append(framing_error(crop_to_aligned(found[0], box)))
    return np.array(rows).reshape(-1, 4)


def summary(rows: np.ndarray) -> dict[str, float]:
    names = ("log_scale", "move_x", "move_y", "rotation_deg")
    out: dict[str, float] = {"faces": len(rows)}
    for j, name in enumerate(names):
        out[f"{name}_mean"] = float(rows[:, j].mean())
        out[f"{name}_sd"] = float(rows[:, j].std())
        out[f"{name}_p5"], out[f"{name}_p95"] = (float(v) for v in np.percentile(rows[:, j], [5, 95]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="../shared/data/fer2013")
    parser.add_argument("--limit", type=int, default=280, help="Faces (balanced over the classes).")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON too.")
    args = parser.parse_args()
    faces = load_faceset(args.data, "train")
    images = faces.images[balanced_indices(faces.labels, args.limit, args.seed)]
    analyzer = Analyzer()
    results, pooled = {}, []
    print(f"{'condition':12s} found  log-scale mean/sd   move-x mean/sd    move-y mean/sd    rotation mean/sd")
    for index, condition in enumerate(CONDITIONS):
        rows = measure(analyzer, images, condition, args.seed, index)
        pooled.append(rows)
        results[condition.name] = s = summary(rows)
        print(
            f"{condition.name:12s} {len(rows):3d}/{len(images)}  {s['log_scale_mean']:+.3f} / {s['log_scale_sd']:.3f}"
            f"     {s['move_x_mean']:+.3f} / {s['move_x_sd']:.3f}    {s['move_y_mean']:+.3f} / {s['move_y_sd']:.3f}"
            f"    {s['rotation_deg_mean']:+.1f} / {s['rotation_deg_sd']:.1f}"
        )
    results["pooled"] = s = summary(np.concatenate(pooled))
    print(
        f"pooled: sd log scale {s['log_scale_sd']:.3f} (p5..p95 {s['log_scale_p5']:+.3f}..{s['log_scale_p95']:+.3f}), "
        f"sd move x {s['move_x_sd']:.3f} y {s['move_y_sd']:.3f}, sd rotation {s['rotation_deg_sd']:.1f} deg"
    )
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
