"""How faithful a heat map is: the deletion curve (Petsiuk et al., 2018). Pixels are removed most important
first, in equal steps, each replaced by the same pixel of a blurred copy of the face (blurring removes the
detail without adding edges that a grey or mean fill would), and the class probability is recorded after each
step. A faithful map makes the probability fall fast: a lower area under the curve than a random order's."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from emolens.evaluation.explain import Explainer
from emolens.evaluation.samples import LabelledFaces

__all__ = ["DELETION_BLUR_SIGMA_PX", "Faithfulness", "curve_area", "deletion_curves", "measure_faithfulness"]

DELETION_BLUR_SIGMA_PX = 4.0
RANDOM = "random"


def deletion_batch(face: np.ndarray, order: np.ndarray, steps: int) -> np.ndarray:
    """``steps`` + 1 copies of the S x S ``face``: the k-th with the first k/steps of ``order`` (flat pixel
    indices) replaced by the blurred face."""
    blurred = cv2.GaussianBlur(face, (0, 0), DELETION_BLUR_SIGMA_PX).ravel()
    batch = np.repeat(face.ravel()[None], steps + 1, 0)
    for k in range(1, steps + 1):
        removed = order[: round(k * len(order) / steps)]
        batch[k, removed] = blurred[removed]
    return batch.reshape(steps + 1, *face.shape)


def importance_order(heat: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Flat pixel indices, most important first; ties (e.g. the zeros of a map) in random order."""
    return np.lexsort((rng.random(heat.size), -heat.ravel()))


def curve_area(curve: np.ndarray) -> float:
    """The area under a curve sampled at equal steps over the fraction removed, 0..1."""
    return float(np.trapz(curve, dx=1 / (len(curve) - 1)))


def deletion_curves(
    probabilities: Callable[[np.ndarray], np.ndarray],
    face: np.ndarray,
    target: int,
    heatmaps: dict[str, np.ndarray],
    rng: np.random.Generator,
    steps: int = 20,
) -> dict[str, np.ndarray]:
    """The class ``target``'s probability after each step of deletion, per heat map and for a random order
    (key "random"); ``probabilities`` maps N x S x S crops to N x classes."""
    orders = {name: importance_order(heat, rng) for name, heat in heatmaps.items()}
    orders[RANDOM] = rng.permutation(face.size)
    batch = np.concatenate([deletion_batch(face, order, steps) for order in orders.values()])
    scores = probabilities(batch)[:, target].reshape(len(orders), steps + 1)
    return dict(zip(orders, scores, strict=True))


@dataclass(frozen=True)
class Faithfulness:
    """Deletion curves over many faces: per method (and "random") the mean curve and the mean area, and the
    share of faces where the method's area is below the random order's."""

    steps: int
    faces: int
    mean_curves: dict[str, np.ndarray]
    mean_area: dict[str, float]
    beats_random: dict[str, float]
    seconds_per_face: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "steps": self.steps,
            "faces": self.faces,
            "blur_sigma_px": DELETION_BLUR_SIGMA_PX,
            "mean_area": self.mean_area,
            "beats_random": self.beats_random,
            "seconds_per_face": self.seconds_per_face,
            "mean_curves": {k: v.round(4).tolist() for k, v in self.mean_curves.items()},
        }


def measure_faithfulness(
    explainer: Explainer,
    faces: LabelledFaces,
    methods: Sequence[str],
    seed: int = 0,
    steps: int = 20,
    progress: Callable[[int], None] | None = None,
) -> Faithfulness:
    """Deletion curves of each method's map of the predicted class, on every face of ``faces``."""
    rng = np.random.default_rng(seed)
    curves: dict[str, list[np.ndarray]] = {}
    seconds = dict.fromkeys(methods, 0.0)
    predicted = explainer.probabilities(faces.images).argmax(1)
    for face, target in zip(faces.images, predicted, strict=True):
        heatmaps = {}
        for method in methods:
            start = time.perf_counter()
            heatmaps[method] = explainer.heatmap(face, int(target), method)[1]
            seconds[method] += time.perf_counter() - start
        for name, curve in deletion_curves(explainer.probabilities, face, int(target), heatmaps, rng, steps).items():
            curves.setdefault(name, []).append(curve)
        if progress:
            progress(1)
    areas = {name: np.array([curve_area(c) for c in values]) for name, values in curves.items()}
    return Faithfulness(
        steps,
        len(faces),
        {name: np.mean(values, axis=0) for name, values in curves.items()},
        {name: float(a.mean()) for name, a in areas.items()},
        {name: float((areas[name] < areas[RANDOM]).mean()) for name in methods},
        {name: s / max(len(faces), 1) for name, s in seconds.items()},
    )
