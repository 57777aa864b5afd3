"""What the running app holds: settings, the store, the analyzer pool; and the dependencies to reach them."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from emolens.monitoring.watch import DriftWatch
from emolens.session import load_user_settings
from emolens.storage import Store
from emolens.vision.recognize import FaceRecognizer, Gallery
from emolens.web import erase
from emolens.web.pool import AnalyzerPool
from emolens.web.settings import WebSettings

__all__ = ["AppState", "StateDep", "StoreDep", "get_state"]


@dataclass
class AppState:
    settings: WebSettings
    store: Store
    pool: AnalyzerPool
    kiosk: Any = None  # the one web.kiosk.Kiosk, started by the first kiosk request under kiosk_lock
    kiosk_lock: threading.Lock = field(default_factory=threading.Lock)
    gallery: Gallery | None = None
    recognizer: FaceRecognizer | None = None
    upload_pool: AnalyzerPool | None = None
    watch: DriftWatch | None = None  # the live sessions' drift monitor (None: monitoring off)

    @property
    def batch_pool(self) -> AnalyzerPool:
        """The analyzers for uploads, /api/analyze and enrolment, apart from live frames (else the shared pool)."""
        return self.upload_pool or self.pool

    def apply_retention(self, keep_latest: int | Literal["saved"] | None = "saved") -> list[str]:
        """The retention rule (by default the user's saved one); sessions still being recorded are spared.

        Deleted sessions take their face crops with them; returns their ids.
        """
        keep = load_user_settings(self.store).retention if keep_latest == "saved" else keep_latest
        return erase.apply_retention(self.store, self.settings.data_folder, keep)


def get_state(conn: HTTPConnection) -> AppState:
    return conn.app.state.emolens


def _store(request: Request) -> Store:
    return get_state(request).store


StateDep = Annotated[AppState, Depends(get_state)]
StoreDep = Annotated[Store, Depends(_store)]
