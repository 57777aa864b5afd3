"""Request bodies of the JSON API that only the web takes; the session layer's models answer the rest."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from emolens.web.params import PLAIN_TEXT

__all__ = [
    "AnalyzeOut",
    "BandOut",
    "BoxOut",
    "DriftEventOut",
    "DriftTestOut",
    "FaceOut",
    "KioskEmotionOut",
    "MixSliceOut",
    "MonitoredFeatureOut",
    "MonitoringOut",
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
    """A stored observation (times in ISO 8601 with their UTC offset); ``frames``: how many frames it stands for."""

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
    frames: int = 1


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


class DriftTestOut(BaseModel):
    """One test that alarmed: its statistic and p-value, its effect size and the threshold that effect crossed."""

    feature: str
    test: str
    statistic: float
    p_value: float
    effect_name: str
    effect: float
    threshold: float
    level: Literal["warn", "drift"]


class DriftEventOut(BaseModel):
    """A stored drift alarm; ``session_id`` is the session whose faces completed the window (None: no session)."""

    id: int
    at: datetime
    session_id: str | None
    source: str
    verdict: Literal["warn", "drift"]
    features: list[DriftTestOut]
    details: dict[str, Any]


class BandOut(BaseModel):
    """The reference's 5%, 50% and 95% quantiles of a feature."""

    low: float
    median: float
    high: float


class WindowPointOut(BaseModel):
    """The median of a feature over one time slice of the recent window, ending at ``at``."""

    at: datetime
    median: float
    faces: int


class MonitoredFeatureOut(BaseModel):
    feature: str
    band: BandOut
    recent: list[WindowPointOut]
    level: str | None = Field(description="the last check's level (ok, warn, drift); None before the first check")
    effect: float | None


class MixSliceOut(BaseModel):
    """The predictions of one time slice of the recent window, starting at ``start``."""

    start: datetime
    counts: dict[str, int]


class MonitoringOut(BaseModel):
    """The rolling window of the live sessions against the model's reference profile."""

    enabled: bool
    verdict: str
    faces: int
    window: int
    check_every: int
    checked: bool
    features: list[MonitoredFeatureOut]
    prediction_mix: list[MixSliceOut]
    reference_mix: dict[str, float]
    mix_level: str | None
    last_event: DriftEventOut | None = Field(description="the newest stored drift event, of any source")
