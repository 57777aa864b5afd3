"""Classification metrics over label indices, in numpy: confusion matrix, accuracy, F1, recall, ECE."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from emolens.types import Emotion

__all__ = ["ClassReport", "classification_report", "expected_calibration_error", "reliability_bins", "roc_curve"]


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
                e.value: {
                    "precision": self.precision[e],
                    "recall": self.recall[e],
                    "f1": self.f1[e],
                    "support": self.support[e],
                }
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


def roc_curve(scores: np.ndarray, positive: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """ROC of one class against the rest: (false positive rates, true positive rates, area under the curve).

    ``scores`` are that class's probabilities, ``positive`` whether each image is of the class; tied scores
    move the curve diagonally, so the AUC equals the probability a positive outranks a negative."""
    order = np.argsort(-scores, kind="stable")
    ranked, hits = scores[order], positive[order].astype(np.float64)
    last_of_tie = np.r_[np.flatnonzero(np.diff(ranked)), len(ranked) - 1]
    tp, fp = np.cumsum(hits)[last_of_tie], np.cumsum(1 - hits)[last_of_tie]
    tpr = np.r_[0.0, tp / max(tp[-1], 1)] if len(tp) else np.zeros(1)
    fpr = np.r_[0.0, fp / max(fp[-1], 1)] if len(fp) else np.zeros(1)
    return fpr, tpr, float(np.trapz(tpr, fpr))


def reliability_bins(
    probs: np.ndarray, y_true: np.ndarray, bins: int = 15
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per equal-width confidence bin: mean top-1 confidence, accuracy and image count (the ECE's bins)."""
    confidence = probs.max(1)
    correct = probs.argmax(1) == y_true
    index = np.clip(np.ceil(confidence * bins).astype(int) - 1, 0, bins - 1)
    count = np.bincount(index, minlength=bins)
    mean_conf = np.bincount(index, confidence, minlength=bins) / np.maximum(count, 1)
    accuracy = np.bincount(index, correct.astype(float), minlength=bins) / np.maximum(count, 1)
    return mean_conf, accuracy, count
