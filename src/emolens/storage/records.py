"""The records the store takes and returns: plain frozen dataclasses, no SQLAlchemy types."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from emolens.types import Prediction

__all__ = ["SOURCES", "ObservationFilter", "ObservationIn", "ObservationRecord", "PageKey", "SessionRecord"]

SOURCES = ("webcam", "upload", "video", "desktop")


@dataclass(frozen=True)
class SessionRecord:
    """One session: a live run, an upload batch or a video, with its scenario and times (UTC);
    ``observation_count`` counts the faces seen (a stored per-track sample adds the frames it stands for)."""

    id: str
    scenario: str
    source: str
    started_at: datetime
    ended_at: datetime | None = None
    observation_count: int = 0

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["started_at"] = self.started_at.isoformat()
        out["ended_at"] = self.ended_at.isoformat() if self.ended_at else None
        return out


@dataclass(frozen=True)
class ObservationIn:
    """One face in one frame, or over ``frames`` frames of its track from ``timestamp`` on, to be stored.

    ``probabilities`` maps emotion names to floats (a sample's: the mean over its frames).
    """

    timestamp: datetime
    emotion: str
    confidence: float
    probabilities: dict[str, float] = field(default_factory=dict)
    track_id: int | None = None
    person: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    frames: int = 1

    @classmethod
    def from_prediction(cls, prediction: Prediction, when: datetime) -> ObservationIn:
        """The observation of one predicted face at ``when``."""
        return cls(
            timestamp=when,
            emotion=prediction.label.value,
            confidence=min(1.0, max(0.0, prediction.confidence)),
            probabilities={e.value: round(p, 5) for e, p in prediction.probabilities.items()},
            track_id=prediction.track_id,
            person=prediction.person,
            bbox=tuple(round(v, 1) for v in prediction.face.bbox.xyxy),  # type: ignore[arg-type]
        )


@dataclass(frozen=True)
class ObservationRecord:
    """A stored observation, with its session's id, source and scenario; ``frames``: how many frames it stands for."""

    id: int
    session_id: str
    source: str
    scenario: str
    timestamp: datetime
    emotion: str
    confidence: float
    probabilities: dict[str, float]
    track_id: int | None
    person: str | None
    bbox: tuple[float, float, float, float] | None
    frames: int = 1

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["timestamp"] = self.timestamp.isoformat()
        out["bbox"] = list(self.bbox) if self.bbox else None
        return out


@dataclass(frozen=True)
class ObservationFilter:
    """Which observations to return; every field left None matches everything."""

    session_id: str | None = None
    source: str | None = None
    scenario: str | None = None
    person: str | None = None
    emotion: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int | None = None
    offset: int = 0


@dataclass(frozen=True)
class PageKey:
    """Where a page of observations ends: the last row's timestamp and id (the next page starts after it)."""

    timestamp: datetime
    id: int
