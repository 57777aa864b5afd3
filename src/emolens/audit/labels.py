"""Candidate label errors of a labelled face set, from two signals: near duplicates whose copies mostly carry
another label, and a model that puts a high probability on a class other than the label. Both are ranked
by one score, ``1 - (1 - model) (1 - duplicates)``: the model's probability mass off the label, joined
with the share of the image's near-duplicate group voting for another label (a noisy OR)."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from emolens.data.facesets import FaceSet, LabelMap
from emolens.types import EMOTIONS, Emotion
from emolens.vision.classify import EmotionClassifier

__all__ = ["LabelCandidate", "LabelFindings", "ModelScores", "duplicate_votes", "find_label_errors", "score_faces"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelScores:
    """A model's view of the audited images: ``probabilities`` N x K float32 over ``classes`` and ``labels``
    N int64, the data labels mapped to the model's classes (-1 where the model has no class for one)."""

    name: str
    classes: tuple[Emotion, ...]
    probabilities: np.ndarray
    labels: np.ndarray
    seconds: float


@dataclass(frozen=True)
class LabelCandidate:
    """One image whose label may be wrong; ``predicted_prob`` and ``label_prob`` are NaN without a model,
    ``duplicate_votes`` is how many images of its near-duplicate group (of ``group_size``) carry
    ``duplicate_label`` (None when the copies do not outvote the label)."""

    image: int
    label: Emotion
    suggested: Emotion
    score: float
    predicted: Emotion | None
    predicted_prob: float
    label_prob: float
    duplicate_label: Emotion | None
    duplicate_votes: int
    group_size: int

    @property
    def margin(self) -> float:
        """How much more probability the model gives its class than the label."""
        return self.predicted_prob - self.label_prob

    @property
    def model_flagged(self) -> bool:
        return self.predicted is not None and self.predicted != self.label

    def reason(self, threshold: float) -> str:
        """Why the image is listed, in words."""
        parts = []
        if self.model_flagged and self.predicted_prob >= threshold:
            parts.append(f"model: {self.predicted} p={self.predicted_prob:.3f} ({self.label} p={self.label_prob:.3f})")
        if self.duplicate_label is not None:
            parts.append(
                f"near duplicates: {self.duplicate_votes} of {self.group_size} labelled {self.duplicate_label}"
            )
        return "; ".join(parts)


@dataclass
class LabelFindings:
    """Every candidate ranked by score (best first), the model's confident disagreements ranked by
    probability then margin, and the counts of each."""

    candidates: list[LabelCandidate]
    model_disagreements: list[LabelCandidate]
    summary: dict[str, Any]


def score_faces(
    classifier: EmotionClassifier,
    faces: FaceSet,
    batch_size: int = 256,
    progress: Callable[[int], None] | None = None,
) -> ModelScores:
    """Run ``classifier`` over every crop of ``faces`` in batches; the images keep their order."""
    card = classifier.card
    mapping = LabelMap.parse([e.value for e in card.labels], card.extra.get("relabel"))
    start = time.perf_counter()
    probs = [np.zeros((0, len(card.labels)), np.float32)]
    for i in range(0, len(faces), batch_size):
        probs.append(classifier.predict_proba(faces.images[i : i + batch_size]))
        if progress:
            progress(len(probs[-1]))
    seconds = time.perf_counter() - start
    log.info("%s scored %d images in %.1f s", card.name, len(faces), seconds)
    return ModelScores(card.name, card.labels, np.concatenate(probs), mapping.apply(faces.labels), seconds)


def duplicate_votes(groups: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per image: the most common other label in its group (-1 when the others do not outvote or tie its own
    label), that label's votes, and the group's size. groups and labels are N int64 arrays."""
    sizes = np.bincount(groups)
    table = np.zeros((len(sizes), len(EMOTIONS)), np.int64)
    np.add.at(table, (groups, labels), 1)
    votes = table[groups]
    rows = np.arange(len(labels))
    own = votes[rows, labels].copy()
    votes[rows, labels] = -1
    other, other_votes = votes.argmax(1), votes.max(1)
    outvoted = (other_votes > 0) & (other_votes >= own)
    return np.where(outvoted, other, -1), np.where(outvoted, other_votes, 0), sizes[groups]


def _model_columns(scores: ModelScores | None, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per image in Emotion order: predicted class (-1 if unscored), its probability, the label's probability
    (NaN if unscored), and the model's mass off the label (0 if unscored)."""
    if scores is None:
        nan = np.full(count, np.nan)
        return np.full(count, -1), nan, nan, np.zeros(count)
    p, y = scores.probabilities, scores.labels
    order = np.array([EMOTIONS.index(e) for e in scores.classes])
    scored = y >= 0
    predicted = np.where(scored, order[p.argmax(1)], -1)
    label_prob = np.where(scored, p[np.arange(count), np.maximum(y, 0)], np.nan)
    return predicted, np.where(scored, p.max(1), np.nan), label_prob, np.where(scored, 1 - label_prob, 0.0)


def _pair_counts(pairs: list[tuple[Emotion, Emotion]]) -> list[list[Any]]:
    """[[label, other, count], ...], most frequent first."""
    return [[a.value, b.value, n] for (a, b), n in Counter(pairs).most_common()]


def find_label_errors(
    faces: FaceSet, groups: np.ndarray, scores: ModelScores | None, threshold: float = 0.9
) -> LabelFindings:
    """Candidate label errors of ``faces``: images outvoted by their near duplicates (``groups``: a group id
    per image) or given probability >= ``threshold`` on another class by the model (``scores``)."""
    other, votes, sizes = duplicate_votes(groups, faces.labels)
    predicted, predicted_prob, label_prob, off_label = _model_columns(scores, len(faces))
    model_flag = (predicted >= 0) & (predicted != faces.labels) & (predicted_prob >= threshold)
    duplicate_share = np.where(other >= 0, votes / np.maximum(sizes, 1), 0.0)
    score = 1 - (1 - off_label) * (1 - duplicate_share)
    chosen = np.flatnonzero(model_flag | (other >= 0))
    candidates = [
        LabelCandidate(
            image=int(i),
            label=EMOTIONS[faces.labels[i]],
            suggested=EMOTIONS[predicted[i] if model_flag[i] else other[i]],
            score=round(float(score[i]), 6),
            predicted=EMOTIONS[predicted[i]] if predicted[i] >= 0 else None,
            predicted_prob=float(predicted_prob[i]),
            label_prob=float(label_prob[i]),
            duplicate_label=EMOTIONS[other[i]] if other[i] >= 0 else None,
            duplicate_votes=int(votes[i]),
            group_size=int(sizes[i]),
        )
        for i in chosen
    ]
    candidates.sort(key=lambda c: (-c.score, -np.nan_to_num(c.margin), c.image))
    disagreements = sorted(
        (c for c in candidates if model_flag[c.image]), key=lambda c: (-c.predicted_prob, -c.margin, c.image)
    )
    return LabelFindings(candidates, disagreements, _summary(faces, candidates, disagreements, scores, threshold))


def _summary(
    faces: FaceSet,
    candidates: list[LabelCandidate],
    disagreements: list[LabelCandidate],
    scores: ModelScores | None,
    threshold: float,
) -> dict[str, Any]:
    """The counts that report.json keeps: per signal, per split and per (label, other) pair."""
    duplicates = [c for c in candidates if c.duplicate_label is not None]
    both = [c for c in duplicates if c.model_flagged and c.predicted_prob >= threshold]
    model: dict[str, Any] = {"used": scores is not None}
    if scores is not None:
        scored = int((scores.labels >= 0).sum())
        model.update(
            name=scores.name,
            threshold=threshold,
            images_scored=scored,
            seconds=round(scores.seconds, 2),
            ms_per_face=round(1000 * scores.seconds / max(len(faces), 1), 4),
            disagreements=len(disagreements),
            per_split=dict(Counter(str(faces.splits[c.image]) for c in disagreements)),
            pairs=_pair_counts([(c.label, c.predicted) for c in disagreements if c.predicted is not None]),
        )
    return {
        "candidates": len(candidates),
        "model": model,
        "duplicates": {
            "outvoted_images": len(duplicates),
            "pairs": _pair_counts([(c.label, c.duplicate_label) for c in duplicates if c.duplicate_label]),
        },
        "both_signals": len(both),
        "both_signals_same_suggestion": sum(c.predicted == c.duplicate_label for c in both),
    }
