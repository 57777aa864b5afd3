"""create_app(settings): the FastAPI app with its store, analyzer pool, routes and error mapping."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from emolens import __version__
from emolens.errors import (
    DatabaseError,
    EmolensError,
    InvalidImageError,
    InvalidNameError,
    PersonNotFoundError,
    SessionNotFoundError,
    SourceError,
    StorageError,
)
from emolens.people import load_gallery
from emolens.storage import Store
from emolens.vision.pipeline import Analyzer
from emolens.vision.recognize import DlibRecognizer
from emolens.web import kiosk, live
from emolens.web.pool import AnalyzerPool
from emolens.web.routes import analyze, observations, pages, people, sessions, settings_api
from emolens.web.security import SecurityMiddleware
from emolens.web.settings import WebSettings
from emolens.web.state import AppState

__all__ = ["create_app"]

log = logging.getLogger(__name__)
_STATUS = {  # the first match wins: subclasses before their parents
    SessionNotFoundError: 404,
    PersonNotFoundError: 404,
    InvalidImageError: 422,
    InvalidNameError: 422,
    SourceError: 422,
    DatabaseError: 503,
    StorageError: 400,
}


def _status(exc: EmolensError) -> int:
    return next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 500)


async def _emolens_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, EmolensError)
    status = _status(exc)
    if status == 500:
        log.exception("request %s failed", request.url.path, exc_info=exc)
    return JSONResponse({"detail": str(exc), "error": type(exc).__name__}, status_code=status)


def create_app(settings: WebSettings) -> FastAPI:
    """The web app. The store and the analyzers open when the app starts and close when it stops."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = Store(settings.db_url)
        store.end_stale_sessions()
        recognizer = DlibRecognizer()
        gallery = load_gallery(store, recognizer)
        pool = AnalyzerPool(
            settings.workers,
            lambda: Analyzer(
                settings.detector, settings.model, small_faces=False, gallery=gallery, recognizer=recognizer
            ),
        )
        app.state.emolens = AppState(settings, store, pool, gallery=gallery, recognizer=recognizer)
        log.info("emolens serving %s with %d analyzer(s)", store.safe_url, pool.size)
        try:
            yield
        finally:
            if app.state.emolens.kiosk is not None:
                app.state.emolens.kiosk.close()
            store.close()

    app = FastAPI(
        title="emolens",
        version=__version__,
        lifespan=lifespan,
        description="Faces, emotions and calibrated confidences; sessions, analytics and advice. "
        "State-changing requests need the X-CSRF-Token header (GET /api/csrf) or the API token.",
    )
    app.add_middleware(SecurityMiddleware, token=settings.api_token)
    app.add_exception_handler(EmolensError, _emolens_error)
    app.mount("/static", StaticFiles(directory=Path(__file__).with_name("static")), name="static")
    for module in (pages, sessions, observations, analyze, settings_api, people, live, kiosk):
        app.include_router(module.router)
    return app
