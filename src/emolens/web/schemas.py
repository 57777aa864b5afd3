"""Request bodies of the JSON API that only the web takes; the session layer's models answer the rest."""

from __future__ import annotations

from pydantic import BaseModel, Field

from emolens.web.params import PLAIN_TEXT

__all__ = [
    "AnalyzeOut",
    "BoxOut",
    "FaceOut",
    "KioskEmotionOut",
    "ObservationOut",
    "ObservationPageOut",
    "PersonOut",
    "PersonStatsOut",
    "SavedFacesOut",
    "SessionCreate",
]


class SessionCreate(BaseModel):
    scenario: str = Field(min_length=1, max_length=80, pattern=PLAIN_TEXT, examples=["Interview"])
    source: str = Field(default="webcam", pattern="^(webcam|upload|video|desktop)$")


class BoxOut(BaseModel):
    """A face's box in pixels of its image."""

    x1: float
    y1: float
    x2: float
    y2: float


class FaceOut(BaseModel):
    """One face: its box, landmarks, the probability of each emotion, the most likely one and its ids."""

    bbox: BoxOut
    detection_score: float
    landmarks: list[list[float]]
    probabilities: dict[str, float]
    label: str
    emoji: str
    confidence: float
    track_id: int | None
    person: str | None
    model: str
    model_version: str


class AnalyzeOut(BaseModel):
    image: str | None = Field(description="the uploaded file's name")
    faces: list[FaceOut]


class ObservationOut(BaseModel):
    """A stored observation (times in ISO 8601 with their UTC offset)."""

    id: int
    session_id: str
    source: str
    scenario: str
    timestamp: str
    emotion: str
    confidence: float
    probabilities: dict[str, float]
    track_id: int | None
    person: str | None
    bbox: list[float] | None


class ObservationPageOut(BaseModel):
    """One page of observations and the cursor of the next page (null on the last)."""

    items: list[ObservationOut]
    next: str | None = Field(description="pass as `cursor` for the page after this one")


class PersonOut(BaseModel):
    id: int
    name: str
    created_at: str
    embedding_count: int
    observation_count: int


class PersonStatsOut(BaseModel):
    person: str | None = Field(description="null: faces nobody is enrolled as")
    counts: dict[str, int]
    total: int
    confidence_score: float | None


class KioskEmotionOut(BaseModel):
    """The largest face on the server-side camera (null without one) and every face, of frame ``frame``."""

    frame: int
    emotion: str | None
    confidence: float | None
    emoji: str | None
    faces: list[FaceOut]


class SavedFacesOut(BaseModel):
    saved: list[str] = Field(description="the face crops written, one path each")
