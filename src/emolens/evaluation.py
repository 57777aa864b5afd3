"""Evaluating an emotion model on a folder of labelled face crops (no detection: crops are faces)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from emolens.datasets import Sample, Split, find_samples, load_faces
from emolens.metrics import ClassReport, classification_report, expected_calibration_error
from emolens.types import EMOTIONS
from emolens.vision.classify import EmotionClassifier

__all__ = ["Evaluation", "evaluate_model"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Evaluation:
    """Metrics of a model on a data set, with what could not be scored and why."""

    report: ClassReport
    ece: float
    images: int
    unreadable: list[Path]
    skipped_classes: dict[str, int]  # data classes the model lacks -> images not scored
    absent_classes: list[str]  # model classes with no images in the data
    probabilities: np.ndarray
    labels: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.report.to_dict(),
            "ece": self.ece,
            "images": self.images,
            "unreadable": [str(p) for p in self.unreadable],
            "classes_not_in_model": self.skipped_classes,
            "classes_without_images": self.absent_classes,
        }


def evaluate_model(
    classifier: EmotionClassifier,
    data: str | Path,
    split: Split = "test",
    batch_size: int = 256,
    progress: Callable[[int], None] | None = None,
) -> Evaluation:
    """Score ``classifier`` on the crops of ``data`` (Kaggle FER2013 or class folders) for ``split``."""
    samples = find_samples(data, split)
    model_labels = classifier.card.labels
    skipped = {e.value: sum(s.emotion == e for s in samples) for e in EMOTIONS if e not in model_labels}
    skipped = {k: v for k, v in skipped.items() if v}
    scored: list[Sample] = [s for s in samples if s.emotion in model_labels]
    if skipped:
        log.warning("the model has no class for %s; those images are not scored", ", ".join(skipped))
    probs, y, unreadable = [], [], []
    index = {e: i for i, e in enumerate(model_labels)}
    for start in range(0, len(scored), batch_size):
        chunk = scored[start : start + batch_size]
        faces, _, bad = load_faces(chunk, classifier.card.input_size)
        unreadable += [s.path for s in bad]
        good = [s for s in chunk if s not in bad]
        probs.append(classifier.predict_proba(faces))
        y += [index[s.emotion] for s in good]
        if progress:
            progress(len(chunk))
    p = np.concatenate(probs) if probs else np.zeros((0, len(model_labels)), np.float32)
    y_arr = np.asarray(y, np.int64)
    present = {s.emotion for s in scored}
    absent = [e.value for e in model_labels if e not in present]
    report = classification_report(y_arr, p.argmax(1), model_labels)
    return Evaluation(report, expected_calibration_error(p, y_arr), len(y_arr), unreadable, skipped, absent, p, y_arr)


