"""Value types shared by every part of emolens: emotions, boxes, faces, predictions."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np

__all__ = ["EMOTIONS", "BBox", "Emotion", "Face", "FrameResult", "Prediction", "parse_emotion"]


class Emotion(StrEnum):
    """The seven FER2013 emotions, in FER2013's order."""

    ANGRY = "angry"
    DISGUST = "disgust"
    FEAR = "fear"
    HAPPY = "happy"
    NEUTRAL = "neutral"
    SAD = "sad"
    SURPRISE = "surprise"

    @property
    def emoji(self) -> str:
        """A single emoji for overlays and pages."""
        return _EMOJI[self]


EMOTIONS: tuple[Emotion, ...] = tuple(Emotion)

_EMOJI = {
    Emotion.ANGRY: "\U0001f620",
    Emotion.DISGUST: "\U0001f922",
    Emotion.FEAR: "\U0001f628",
    Emotion.HAPPY: "\U0001f604",
    Emotion.NEUTRAL: "\U0001f610",
    Emotion.SAD: "\U0001f622",
    Emotion.SURPRISE: "\U0001f632",
}

_SYNONYMS = {
    "anger": Emotion.ANGRY,
    "angry": Emotion.ANGRY,
    "mad": Emotion.ANGRY,
    "disgust": Emotion.DISGUST,
    "disgusted": Emotion.DISGUST,
    "contempt": Emotion.DISGUST,
    "fear": Emotion.FEAR,
    "fearful": Emotion.FEAR,
    "afraid": Emotion.FEAR,
    "scared": Emotion.FEAR,
    "happy": Emotion.HAPPY,
    "happiness": Emotion.HAPPY,
    "joy": Emotion.HAPPY,
    "neutral": Emotion.NEUTRAL,
    "calm": Emotion.NEUTRAL,
    "sad": Emotion.SAD,
    "sadness": Emotion.SAD,
    "surprise": Emotion.SURPRISE,
    "surprised": Emotion.SURPRISE,
}


def parse_emotion(name: str) -> Emotion | None:
    """Map a class name or common synonym ("Happiness", "surprised") to an Emotion, else None."""
    return _SYNONYMS.get(name.strip().lower().replace("-", "_").replace(" ", "_"))


@dataclass(frozen=True)
class BBox:
    """An axis-aligned box in pixel coordinates, corners (x1, y1) top-left and (x2, y2) bottom-right."""

    x1: float
    y1: float
    x2: float
    y2: float

    def __post_init__(self) -> None:
        if not (self.x2 >= self.x1 and self.y2 >= self.y1):
            raise ValueError(f"BBox needs x2 >= x1 and y2 >= y1, got {self.xyxy}")

    @property
    def xyxy(self) -> tuple[float, float, float, float]:
        return (self.x1, self.y1, self.x2, self.y2)

    @property
    def width(self) -> float:
        return self.x2 - self.x1

    @property
    def height(self) -> float:
        return self.y2 - self.y1

    @property
    def area(self) -> float:
        return self.width * self.height

    @property
    def center(self) -> tuple[float, float]:
        return ((self.x1 + self.x2) / 2, (self.y1 + self.y2) / 2)

    def iou(self, other: BBox) -> float:
        """Intersection over union with another box, in [0, 1]."""
        ix = max(0.0, min(self.x2, other.x2) - max(self.x1, other.x1))
        iy = max(0.0, min(self.y2, other.y2) - max(self.y1, other.y1))
        inter = ix * iy
        union = self.area + other.area - inter
        return inter / union if union > 0 else 0.0

    def to_dict(self) -> dict[str, float]:
        return {"x1": round(self.x1, 1), "y1": round(self.y1, 1), "x2": round(self.x2, 1), "y2": round(self.y2, 1)}


@dataclass(frozen=True)
class Face:
    """A detected face: its box, its landmarks (N x 2 pixel array, detector-specific order) and score."""

    bbox: BBox
    landmarks: np.ndarray = field(repr=False, compare=False)
    score: float

    @property
    def eyes_xy(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """(right eye, left eye) centres in image coordinates, as the first two landmarks."""
        r, l = self.landmarks[0], self.landmarks[1]
        return (float(r[0]), float(r[1])), (float(l[0]), float(l[1]))


@dataclass(frozen=True)
class Prediction:
    """One face's emotion: the face, the probabilities over the model's classes and their summary."""

    face: Face
    probabilities: dict[Emotion, float]
    label: Emotion
    confidence: float
    model: str
    model_version: str
    track_id: int | None = None
    person: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: box, landmarks, probabilities, label, emoji, confidence, ids, model."""
        return {
            "bbox": self.face.bbox.to_dict(),
            "detection_score": round(self.face.score, 4),
            "landmarks": [[round(float(x), 1), round(float(y), 1)] for x, y in self.face.landmarks],
            "probabilities": {e.value: round(p, 4) for e, p in self.probabilities.items()},
            "label": self.label.value,
            "emoji": self.label.emoji,
            "confidence": round(self.confidence, 4),
            "track_id": self.track_id,
            "person": self.person,
            "model": self.model,
            "model_version": self.model_version,
        }


@dataclass(frozen=True)
class FrameResult:
    """All predictions in one frame of a stream, with its index and timestamp in seconds."""

    index: int
    timestamp_s: float
    predictions: list[Prediction]
    size_wh: tuple[int, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "frame": self.index,
            "timestamp_s": round(self.timestamp_s, 3),
            "width": self.size_wh[0],
            "height": self.size_wh[1],
            "faces": [p.to_dict() for p in self.predictions],
        }
