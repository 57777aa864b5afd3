"""Request and response bodies of the JSON API (Create / Public families)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from emolens.storage import SessionRecord
from emolens.types import EMOTIONS
from emolens.web.params import PLAIN_TEXT

EMOTION_NAMES = tuple(e.value for e in EMOTIONS)
MAX_WEIGHT = 100.0  # a score weight; the score is normalised, so only the weights' ratios matter

__all__ = ["AdviceOut", "SessionCreate", "SessionPublic", "SettingsPublic", "SettingsUpdate", "SummaryOut"]


class SessionCreate(BaseModel):
    scenario: str = Field(min_length=1, max_length=80, pattern=PLAIN_TEXT, examples=["Interview"])
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


Weight = Annotated[float, Field(ge=-MAX_WEIGHT, le=MAX_WEIGHT)]


class SettingsUpdate(BaseModel):
    """What the settings page saves; NaN, infinities and weights beyond +-100 are refused (422)."""

    model_config = ConfigDict(allow_inf_nan=False)

    retention: int | None = Field(default=5, ge=1, le=100_000)
    save_face_crops: bool = False
    crop_every_n_frames: int = Field(default=10, ge=1, le=10_000)
    weights: dict[Literal[EMOTION_NAMES], Weight] = Field(  # type: ignore[valid-type]
        default_factory=lambda: {"happy": 2.0, "neutral": 2.0, "sad": -1.0, "angry": -2.0}
    )
    other_weight: Weight = -2.0
