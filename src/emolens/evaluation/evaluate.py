"""Evaluating an emotion model on a data set of labelled face crops (no detection: crops are faces)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from emolens.data.facesets import LabelMap, Split, load_faceset
from emolens.evaluation.metrics import ClassReport, classification_report, expected_calibration_error
from emolens.types import EMOTIONS
from emolens.vision.classify import EmotionClassifier

__all__ = ["Evaluation", "evaluate_model", "tta_views"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Evaluation:
    """Metrics of a model on a data set, with what could not be scored and why; ``images_data`` keeps the
    scored crops (N x S x S uint8) for error analysis."""

    report: ClassReport
    ece: float
    images: int
    unreadable: list[str]
    skipped_classes: dict[str, int]  # data classes the model lacks -> images not scored
    absent_classes: list[str]  # model classes with no images in the data
    probabilities: np.ndarray
    labels: np.ndarray
    images_data: np.ndarray | None = None
    names: tuple[str, ...] = ()
    tta: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.report.to_dict(),
            "ece": self.ece,
            "images": self.images,
            "tta": self.tta,
            "unreadable": list(self.unreadable),
            "classes_not_in_model": self.skipped_classes,
            "classes_without_images": self.absent_classes,
        }


def tta_views(faces: np.ndarray, shift_px: int = 2) -> list[np.ndarray]:
    """Test-time views of N x S x S crops: as is and mirrored, each also shifted left and right."""
    views = []
    for base in (faces, faces[:, :, ::-1]):
        views.append(np.ascontiguousarray(base))
        for shift in (shift_px, -shift_px):
            moved = np.roll(base, shift, axis=2)
            edge = slice(0, shift) if shift > 0 else slice(shift, None)
            moved[:, :, edge] = base[:, :, [0 if shift > 0 else -1]]
            views.append(np.ascontiguousarray(moved))
    return views


def _predict(classifier: EmotionClassifier, faces: np.ndarray, tta: bool) -> np.ndarray:
    if not tta:
        return classifier.predict_proba(faces)
    return np.mean([classifier.predict_proba(v) for v in tta_views(faces)], axis=0).astype(np.float32)


def evaluate_model(
    classifier: EmotionClassifier,
    data: str | Path,
    split: Split = "test",
    batch_size: int = 256,
    progress: Callable[[int], None] | None = None,
    tta: bool = False,
) -> Evaluation:
    """Score ``classifier`` on the crops of ``data`` (any emolens layout) for ``split``; ``tta`` averages
    the probabilities of six views of each crop (slower by six, usually a little more accurate)."""
    card = classifier.card
    faces = load_faceset(data, split, card.input_size)
    mapping = LabelMap.parse([e.value for e in card.labels], card.extra.get("relabel"))
    labels = mapping.apply(faces.labels)
    skipped = {e.value: int((faces.labels[labels < 0] == i).sum()) for i, e in enumerate(EMOTIONS)}
    skipped = {k: v for k, v in skipped.items() if v}
    if skipped:
        log.warning("the model has no class for %s; those images are not scored", ", ".join(skipped))
    scored = faces.select(labels >= 0)
    y = labels[labels >= 0]
    probs = [np.zeros((0, len(card.labels)), np.float32)]
    for start in range(0, len(y), batch_size):
        probs.append(_predict(classifier, scored.images[start : start + batch_size], tta))
        if progress:
            progress(len(probs[-1]))
    p = np.concatenate(probs)
    absent = [e.value for i, e in enumerate(card.labels) if not (y == i).any()]
    report = classification_report(y, p.argmax(1), card.labels)
    return Evaluation(
        report,
        expected_calibration_error(p, y),
        len(y),
        list(faces.unreadable),
        skipped,
        absent,
        p,
        y,
        scored.images,
        tuple(scored.names),
        tta,
    )
