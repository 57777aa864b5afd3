"""Training crops made the way users' photos reach the classifier: each face pasted into a 640 x 480 frame
under a random camera condition (``evaluation.scenes``), found by the still-photo detector and cut out by the
real aligner. Augmenting a crop imitates the detector's framing; these crops are its framing, with the
resampling, lighting and compression of a whole photo on top.

The conditions are drawn from ranges wider than ``emolens robustness`` checks (sizes 48-200 px, every
background and shift at a random strength), so a model trained on them is not fitted to the check's points.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from emolens.data.facesets import SPLIT_PREFIXES
from emolens.errors import DataLayoutError
from emolens.evaluation.scenes import BACKGROUNDS, SHIFTS, Condition, face_in, render
from emolens.types import EMOTIONS
from emolens.vision.align import align_faces
from emolens.vision.detect import FaceDetector

__all__ = ["SHIFT_RANGES", "SceneCrops", "random_condition", "scene_crops", "write_scene_crops"]

# each shift's strength, drawn uniformly in (low, high); gamma is drawn as its log so that dark and bright
# are equally likely
SHIFT_RANGES: dict[str, tuple[float, float]] = {
    "none": (0.0, 0.0),
    "gamma": (math.log(0.4), math.log(2.5)),
    "gain": (0.25, 1.0),
    "contrast": (0.3, 1.0),
    "blur": (0.5, 2.5),
    "jpeg": (10.0, 60.0),
    "noise": (5.0, 25.0),
    "rotate": (-20.0, 20.0),
}
FACE_PX = (48, 200)


def random_condition(rng: np.random.Generator) -> Condition:
    """A condition with a random face size, background, shift and strength (see SHIFT_RANGES)."""
    shift = str(rng.choice(SHIFTS))
    low, high = SHIFT_RANGES[shift]
    amount = float(rng.uniform(low, high))
    if shift == "gamma":
        amount = math.exp(amount)
    elif shift == "jpeg":
        amount = round(amount)
    face_px = int(rng.integers(FACE_PX[0], FACE_PX[1] + 1))
    return Condition(f"{shift}-{amount:.2f}-{face_px}px", face_px, str(rng.choice(BACKGROUNDS)), shift, amount)


@dataclass(frozen=True)
class SceneCrops:
    """Aligned crops (N x S x S uint8), the index of the source face of each, and the frames tried."""

    crops: np.ndarray
    sources: np.ndarray
    frames: int

    @property
    def found_rate(self) -> float:
        return len(self.sources) / max(self.frames, 1)


def scene_crops(
    faces: np.ndarray,
    detector: FaceDetector,
    per_face: int = 1,
    seed: int = 0,
    size: int = 48,
    progress: Callable[[int], None] | None = None,
) -> SceneCrops:
    """``per_face`` frames of every face in ``faces`` (N x S x S uint8), each under a random condition drawn
    from ``seed`` (the same face and draw always give the same frame), run through ``detector`` and the
    aligner; a frame whose face is not found gives no crop."""
    crops, sources = [], []
    for i, face in enumerate(faces):
        for k in range(per_face):
            rng = np.random.default_rng([seed, i, k])
            frame, box = render(face, random_condition(rng), rng)
            found = face_in(detector.detect(frame), box)
            if found is not None:
                crops.append(align_faces(frame, [found], size)[0])
                sources.append(i)
        if progress:
            progress(1)
    stacked = np.stack(crops) if crops else np.zeros((0, size, size), np.uint8)
    return SceneCrops(stacked, np.array(sources, np.int64), len(faces) * per_face)


def write_scene_crops(out: Path, split: str, made: SceneCrops, labels: np.ndarray, names: Sequence[str]) -> int:
    """Write the crops as PNGs in the Kaggle layout under ``out`` (so ``load_faceset(out, split)`` reads them
    back, and a training config's ``extra_train`` can use them); ``labels`` and ``names`` are the source faces'.
    Returns the number written."""
    if split not in SPLIT_PREFIXES:
        raise DataLayoutError(f"scene crops are written for the splits {sorted(SPLIT_PREFIXES)}, not {split!r}")
    part = out / ("train" if split == "train" else "test")
    folders = {int(c): part / EMOTIONS[int(c)].value for c in np.unique(labels[made.sources])}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    seen: dict[int, int] = {}
    for crop, source in zip(made.crops, made.sources.tolist(), strict=True):
        draw = seen[source] = seen.get(source, -1) + 1
        stem = Path(names[source]).stem.split("_", 1)[-1]
        cv2.imwrite(str(folders[int(labels[source])] / f"{SPLIT_PREFIXES[split]}_{stem}-scene{draw}.png"), crop)
    return len(made.sources)
