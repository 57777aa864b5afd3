"""Classification metrics over label indices, in numpy: confusion matrix, accuracy, F1, recall, ECE."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from emolens.types import Emotion

__all__ = ["ClassReport", "classification_report", "expected_calibration_error"]


@dataclass(frozen=True)
class ClassReport:
    """Accuracy, macro-F1 and per-class precision/recall/F1 over the classes present in the labels."""

    labels: tuple[Emotion, ...]
    confusion: np.ndarray
    accuracy: float
    macro_f1: float
    precision: dict[Emotion, float]
    recall: dict[Emotion, float]
    f1: dict[Emotion, float]
    support: dict[Emotion, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "per_class": {
                e.value: {"precision": self.precision[e], "recall": self.recall[e], "f1": self.f1[e], "support": self.support[e]}
                for e in self.labels
            },
            "confusion": {"labels": [e.value for e in self.labels], "counts": self.confusion.tolist()},
        }


def classification_report(y_true: np.ndarray, y_pred: np.ndarray, labels: tuple[Emotion, ...]) -> ClassReport:
    """Metrics for integer labels indexing ``labels``; macro-F1 averages the classes with support."""
    n = len(labels)
    confusion = np.zeros((n, n), np.int64)
    np.add.at(confusion, (y_true, y_pred), 1)
    tp = np.diag(confusion).astype(float)
    support = confusion.sum(1)
    predicted = confusion.sum(0)
    precision = np.divide(tp, predicted, out=np.zeros(n), where=predicted > 0)
    recall = np.divide(tp, support, out=np.zeros(n), where=support > 0)
    f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros(n), where=(precision + recall) > 0)
    present = support > 0
    return ClassReport(
        labels=labels,
        confusion=confusion,
        accuracy=float(tp.sum() / max(1, confusion.sum())),
        macro_f1=float(f1[present].mean()) if present.any() else 0.0,
        precision={e: float(v) for e, v in zip(labels, precision, strict=True)},
        recall={e: float(v) for e, v in zip(labels, recall, strict=True)},
        f1={e: float(v) for e, v in zip(labels, f1, strict=True)},
        support={e: int(v) for e, v in zip(labels, support, strict=True)},
    )


def expected_calibration_error(probs: np.ndarray, y_true: np.ndarray, bins: int = 15) -> float:
    """ECE: the bin-weighted gap between top-1 confidence and accuracy, over ``bins`` equal-width bins."""
    confidence = probs.max(1)
    correct = probs.argmax(1) == y_true
    edges = np.linspace(0, 1, bins + 1)
    ece = 0.0
    for low, high in itertools.pairwise(edges):
        mask = (confidence > low) & (confidence <= high)
        if mask.any():
            ece += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(ece)
