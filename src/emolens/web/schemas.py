"""Request and response bodies of the JSON API (Create / Public families)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from emolens.storage import SessionRecord

__all__ = ["AdviceOut", "SessionCreate", "SessionPublic", "SettingsPublic", "SettingsUpdate", "SummaryOut"]


class SessionCreate(BaseModel):
    scenario: str = Field(min_length=1, max_length=80, examples=["Interview"])
    source: str = Field(default="webcam", pattern="^(webcam|upload|video|desktop)$")


class SessionPublic(BaseModel):
    id: str
    scenario: str
    source: str
    started_at: datetime
    ended_at: datetime | None
    observation_count: int

    @classmethod
    def of(cls, record: SessionRecord) -> SessionPublic:
        return cls(**record.to_dict())


class AdviceOut(BaseModel):
    dominant: str | None
    trending: list[str]
    tips: list[str]


class SummaryOut(BaseModel):
    session: SessionPublic
    counts: dict[str, int]
    shares: dict[str, float]
    confidence_score: float | None = Field(description="F3 score in [0, 100]; null without observations")
    dominant: str | None
    trending: list[tuple[str, float]]
    timeline: list[dict[str, object]]
    advice: AdviceOut


class SettingsPublic(BaseModel):
    retention: int | None = Field(description="keep the latest N sessions; null keeps all")
    save_face_crops: bool
    crop_every_n_frames: int
    weights: dict[str, float]
    other_weight: float


class SettingsUpdate(BaseModel):
    retention: int | None = Field(default=5, ge=1, le=100_000)
    save_face_crops: bool = False
    crop_every_n_frames: int = Field(default=10, ge=1, le=10_000)
    weights: dict[str, float] = Field(
        default_factory=lambda: {"happy": 2.0, "neutral": 2.0, "sad": -1.0, "angry": -2.0}
    )
    other_weight: float = -2.0
