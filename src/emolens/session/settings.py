"""The user's settings (retention, face-crop saving, stored samples, score weights): one typed model, its defaults
and checks.

The web app's settings page saves them; the desktop viewer and the kiosk follow them. Stored under
``USER_SETTINGS_KEY`` in the store's settings table.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from emolens.analytics import DEFAULT_WEIGHTS, OTHER_WEIGHT
from emolens.session.samples import DEFAULT_SAMPLES_PER_SECOND, MAX_SAMPLES_PER_SECOND
from emolens.storage import Store
from emolens.types import EMOTIONS

__all__ = [
    "EMOTION_NAMES",
    "MAX_WEIGHT",
    "USER_SETTINGS_KEY",
    "UserSettings",
    "load_user_settings",
    "save_user_settings",
]

log = logging.getLogger(__name__)

USER_SETTINGS_KEY = "user"
EMOTION_NAMES = tuple(e.value for e in EMOTIONS)
MAX_WEIGHT = 100.0  # a score weight; the score is normalised, so only the weights' ratios matter

Weight = Annotated[float, Field(ge=-MAX_WEIGHT, le=MAX_WEIGHT)]


class UserSettings(BaseModel):
    """What the user chose; NaN, infinities, unknown emotions and weights beyond +-100 are refused.

    ``retention`` keeps the latest N sessions (None: all); ``save_face_crops`` saves one frame's faces in
    ``crop_every_n_frames`` (off by default: privacy); ``samples_per_second`` is how many observations a second
    a tracked face stores in live sessions (each with the mean of the frames it stands for; 0: one per frame,
    about 15 times the rows at 30 FPS); ``weights`` and ``other_weight`` make the confidence score.
    """

    model_config = ConfigDict(allow_inf_nan=False)

    retention: int | None = Field(default=5, ge=1, le=100_000, description="keep the latest N sessions; null: all")
    save_face_crops: bool = False
    crop_every_n_frames: int = Field(default=10, ge=1, le=10_000)
    samples_per_second: float = Field(
        default=DEFAULT_SAMPLES_PER_SECOND,
        ge=0,
        le=MAX_SAMPLES_PER_SECOND,
        description="stored observations per second per tracked face in live sessions; 0: every frame",
    )
    weights: dict[Literal[EMOTION_NAMES], Weight] = Field(  # type: ignore[valid-type]
        default_factory=lambda: dict(DEFAULT_WEIGHTS)
    )
    other_weight: Weight = OTHER_WEIGHT


def _valid_part(saved: dict[str, Any]) -> dict[str, Any]:
    """``saved`` without the fields that fail validation (each is logged), so one bad value spoils only itself."""
    try:
        UserSettings.model_validate(saved)
    except ValidationError as exc:
        bad = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
        log.warning("ignoring saved settings that are no longer valid: %s", ", ".join(sorted(bad)))
        return {k: v for k, v in saved.items() if k not in bad}
    return saved


def load_user_settings(store: Store) -> UserSettings:
    """The saved settings, with defaults for every field not saved (or saved with a value no longer valid)."""
    saved = store.get_setting(USER_SETTINGS_KEY, {}) or {}
    if not isinstance(saved, dict):
        log.warning("ignoring saved settings of an unexpected form: %r", saved)
        saved = {}
    known = {k: v for k, v in saved.items() if k in UserSettings.model_fields}
    return UserSettings.model_validate(_valid_part(known))


def save_user_settings(store: Store, settings: UserSettings) -> None:
    """Save ``settings`` for the web app, the desktop viewer and the kiosk to follow."""
    store.set_setting(USER_SETTINGS_KEY, settings.model_dump())
