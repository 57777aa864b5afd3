"""Cross-domain checks of the whole-photo path users run (detect, align, classify through ``Analyzer``): test
faces pasted into frames under the conditions of ``scenes``, with three measures per condition:

- detection rate, and accuracy, per-class recall and macro-F1 over the faces found;
- mirror agreement: the share of faces given the same class in the frame and in its mirror image;
- box-jitter agreement: the share of faces whose class stays the same for every small move of the detected
  box (offsets of ``jitter_px`` and scalings of ``1 +- jitter_scale``), aligned by the real aligner.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, Protocol

import numpy as np

from emolens.evaluation.metrics import ClassReport, classification_report
from emolens.evaluation.samples import LabelledFaces
from emolens.evaluation.scenes import Condition, face_in, render
from emolens.types import BBox, Emotion, Face, Prediction
from emolens.vision.align import align_faces
from emolens.vision.classify import EmotionClassifier

__all__ = ["ConditionResult", "Robustness", "check_robustness", "jitter_faces", "jitter_stable", "mirror_same"]


class PhotoAnalyzer(Protocol):
    """What the checks need of ``emolens.Analyzer``."""

    classifier: EmotionClassifier

    @property
    def labels(self) -> tuple[Emotion, ...]: ...

    def analyze(self, image: np.ndarray) -> list[Prediction]: ...


@dataclass(frozen=True)
class ConditionResult:
    """One condition's figures; ``report`` covers the faces found (None when none was)."""

    condition: Condition
    faces: int
    detected: int
    report: ClassReport | None
    end_to_end_accuracy: float  # a face not found counts as wrong
    mirror_agreement: float | None
    jitter_agreement: float | None
    ms_per_frame: float

    @property
    def detection_rate(self) -> float:
        return self.detected / max(self.faces, 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "condition": asdict(self.condition),
            "faces": self.faces,
            "detected": self.detected,
            "detection_rate": self.detection_rate,
            "end_to_end_accuracy": self.end_to_end_accuracy,
            "mirror_agreement": self.mirror_agreement,
            "jitter_agreement": self.jitter_agreement,
            "ms_per_frame": self.ms_per_frame,
            **(self.report.to_dict() if self.report else {}),
        }


@dataclass(frozen=True)
class Robustness:
    """Every condition's result, and the pooled report over all of them (every detected face once per
    condition)."""

    conditions: list[ConditionResult]
    pooled: ClassReport
    mirror_agreement: float | None
    jitter_agreement: float | None
    faces: int
    seed: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "faces": self.faces,
            "seed": self.seed,
            "mean_detection_rate": float(np.mean([c.detection_rate for c in self.conditions])),
            "mirror_agreement": self.mirror_agreement,
            "jitter_agreement": self.jitter_agreement,
            "pooled": self.pooled.to_dict(),
            "conditions": [c.to_dict() for c in self.conditions],
        }


def _found(predictions: list[Prediction], box: tuple[int, int, int, int]) -> Prediction | None:
    """The prediction of the largest face whose centre lies inside the pasted face's square."""
    face = face_in([p.face for p in predictions], box)
    return next((p for p in predictions if p.face is face), None)


def jitter_faces(face: Face, jitter_px: float, jitter_scale: float) -> list[Face]:
    """``face`` moved by +-``jitter_px`` along x and along y, and scaled by 1 +- ``jitter_scale`` about its centre."""
    cx, cy = face.bbox.center
    moved = []
    for dx, dy, scale in (
        (jitter_px, 0, 1),
        (-jitter_px, 0, 1),
        (0, jitter_px, 1),
        (0, -jitter_px, 1),
        (0, 0, 1 + jitter_scale),
        (0, 0, 1 - jitter_scale),
    ):
        half_w, half_h = face.bbox.width * scale / 2, face.bbox.height * scale / 2
        box = BBox(cx + dx - half_w, cy + dy - half_h, cx + dx + half_w, cy + dy + half_h)
        moved.append(replace(face, bbox=box, landmarks=face.landmarks + np.array([dx, dy])))
    return moved


def jitter_stable(
    classifier: EmotionClassifier, frame: np.ndarray, face: Face, jitter_px: float = 3.0, jitter_scale: float = 0.05
) -> bool:
    """Whether the class of ``face`` in ``frame`` stays the same for every jittered box (one batch)."""
    faces = [face, *jitter_faces(face, jitter_px, jitter_scale)]
    predicted = classifier.predict_proba(align_faces(frame, faces, classifier.card.input_size)).argmax(1)
    return bool((predicted == predicted[0]).all())


def mirror_same(
    analyzer: PhotoAnalyzer, frame: np.ndarray, box: tuple[int, int, int, int], label: Emotion
) -> bool | None:
    """Whether the face in ``box`` gets class ``label`` in the mirrored frame too; None when it is not found there."""
    width = frame.shape[1]
    x1, y1, x2, y2 = box
    found = _found(analyzer.analyze(np.ascontiguousarray(frame[:, ::-1])), (width - x2, y1, width - x1, y2))
    return None if found is None else found.label == label


def _share(values: Sequence[bool]) -> float | None:
    return float(np.mean(values)) if len(values) else None


def _run_condition(
    analyzer: PhotoAnalyzer,
    faces: LabelledFaces,
    condition: Condition,
    seeds: tuple[int, int],
    jitter: tuple[float, float],
    progress: Callable[[int], None] | None,
) -> tuple[ConditionResult, np.ndarray, np.ndarray, list[bool], list[bool]]:
    labels = analyzer.labels
    truth, predicted, mirrored, stable, seconds = [], [], [], [], 0.0
    for i, face in enumerate(faces.images):
        frame, box = render(face, condition, np.random.default_rng([*seeds, i]))
        start = time.perf_counter()
        found = _found(analyzer.analyze(frame), box)
        seconds += time.perf_counter() - start
        if progress:
            progress(1)
        if found is None:
            continue
        truth.append(int(faces.labels[i]))
        predicted.append(labels.index(found.label))
        stable.append(jitter_stable(analyzer.classifier, frame, found.face, *jitter))
        same = mirror_same(analyzer, frame, box, found.label) if condition.mirror else None
        if same is not None:
            mirrored.append(same)
    y, p = np.array(truth, np.int64), np.array(predicted, np.int64)
    result = ConditionResult(
        condition,
        len(faces),
        len(y),
        classification_report(y, p, labels) if len(y) else None,
        float((y == p).sum() / max(len(faces), 1)),
        _share(mirrored) if condition.mirror else None,
        _share(stable),
        1000 * seconds / max(len(faces), 1),
    )
    return result, y, p, mirrored, stable


def check_robustness(
    analyzer: PhotoAnalyzer,
    faces: LabelledFaces,
    conditions: Sequence[Condition],
    seed: int = 0,
    jitter_px: float = 3.0,
    jitter_scale: float = 0.05,
    progress: Callable[[int], None] | None = None,
) -> Robustness:
    """Run every face through ``analyzer`` under every condition; frames are drawn from ``seed``, the same
    face and condition always giving the same frame. ``progress`` is called once per analysed frame."""
    results, truth, predicted = [], [], []
    mirrored: list[bool] = []
    stable: list[bool] = []
    for index, condition in enumerate(conditions):
        result, y, p, same, kept = _run_condition(
            analyzer, faces, condition, (seed, index), (jitter_px, jitter_scale), progress
        )
        results.append(result)
        truth.append(y)
        predicted.append(p)
        mirrored += same
        stable += kept
    pooled = classification_report(np.concatenate(truth), np.concatenate(predicted), analyzer.labels)
    return Robustness(results, pooled, _share(mirrored), _share(stable), len(faces), seed)
