"""What the running app holds: settings, the store, the analyzer pool; and the dependencies to reach them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from emolens.storage import Store
from emolens.vision.recognize import FaceRecognizer, Gallery
from emolens.web.pool import AnalyzerPool
from emolens.web.schemas import SettingsPublic
from emolens.web.settings import WebSettings

__all__ = ["AppState", "StateDep", "StoreDep", "get_state", "user_settings"]

_DEFAULTS = SettingsPublic(
    retention=5,
    save_face_crops=False,
    crop_every_n_frames=10,
    weights={"happy": 2.0, "neutral": 2.0, "sad": -1.0, "angry": -2.0},
    other_weight=-2.0,
)


@dataclass
class AppState:
    settings: WebSettings
    store: Store
    pool: AnalyzerPool
    kiosk: Any = None
    gallery: Gallery | None = None
    recognizer: FaceRecognizer | None = None
    upload_pool: AnalyzerPool | None = None

    @property
    def batch_pool(self) -> AnalyzerPool:
        """The analyzers for uploads, /api/analyze and enrolment, apart from live frames (else the shared pool)."""
        return self.upload_pool or self.pool

    def apply_retention(self) -> list[str]:
        """The user's retention rule (the store spares sessions still being recorded)."""
        return self.store.apply_retention(user_settings(self.store).retention)


def get_state(conn: HTTPConnection) -> AppState:
    return conn.app.state.emolens


def _store(request: Request) -> Store:
    return get_state(request).store


def user_settings(store: Store) -> SettingsPublic:
    """The settings the user chose on the settings page, with defaults for any not yet chosen."""
    stored = store.get_setting("user", {}) or {}
    return SettingsPublic(**{**_DEFAULTS.model_dump(), **stored})


StateDep = Annotated[AppState, Depends(get_state)]
StoreDep = Annotated[Store, Depends(_store)]
