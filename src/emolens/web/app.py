"""create_app(settings): the FastAPI app with its store, analyzer pool, routes and error mapping."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

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
from emolens.monitoring.watch import start_watch
from emolens.session.people import gallery_watch, reload_gallery
from emolens.storage import Heartbeat, Store
from emolens.vision.pipeline import Analyzer, SmallFaces
from emolens.vision.recognize import DlibRecognizer, Gallery
from emolens.web import kiosk, live
from emolens.web.limits import BodyLimitMiddleware, body_limits
from emolens.web.pool import AnalyzerPool
from emolens.web.routes import analyze, monitoring, observations, pages, people, sessions, settings_api
from emolens.web.security import HostMiddleware, SecurityMiddleware
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
    if status >= 500:
        log.error("request %s failed: %s", request.url.path, exc, exc_info=status == 500)
    detail = exc.public if isinstance(exc, DatabaseError) else str(exc)  # never the database's URL
    return JSONResponse({"detail": detail, "error": type(exc).__name__}, status_code=status)


def _readable(error: dict[str, Any]) -> str:
    where = ".".join(str(part) for part in error.get("loc", ())[1:]) or "the request"
    message = str(error.get("msg", "is invalid"))
    return f"{where}: {'a value is required' if error.get('type') == 'missing' else message}"


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    """422 with a sentence a person can act on in ``detail``, and FastAPI's list of errors in ``errors``."""
    assert isinstance(exc, RequestValidationError)
    errors = jsonable_encoder(exc.errors(), exclude={"input", "ctx", "url"})
    detail = "; ".join(_readable(e) for e in errors[:5])
    return JSONResponse({"detail": f"invalid request: {detail}", "errors": errors}, status_code=422)


def create_app(settings: WebSettings) -> FastAPI:
    """The web app. The store and the analyzers open when the app starts and close when it stops."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = Store(settings.db_url)
        recognizer = DlibRecognizer()
        gallery = Gallery()
        # watched before the load, so an enrolment in between is not missed
        people_watch = gallery_watch(store, recognizer, gallery)
        reload_gallery(store, recognizer, gallery)

        def analyzer(small_faces: SmallFaces) -> Analyzer:
            detector, model = settings.detector, settings.model
            return Analyzer(detector, model, small_faces=small_faces, gallery=gallery, recognizer=recognizer)

        # live frames take the stream path; stills (uploads, /api/analyze, enrolment) also scan tiles, as
        # `emolens predict` does, so every way in finds the same faces
        pool = AnalyzerPool(settings.workers, lambda: analyzer(small_faces="never"))
        upload_pool = AnalyzerPool(settings.upload_workers, lambda: analyzer(small_faces="auto"))
        heartbeat = Heartbeat(store, "server", settings.heartbeat_s, watches=[people_watch]).start()
        watch = start_watch(store, "live", settings.monitoring, settings.model)
        app.state.emolens = AppState(
            settings, store, pool, gallery=gallery, recognizer=recognizer, upload_pool=upload_pool, watch=watch
        )
        log.info("emolens serving %s with %d analyzer(s)", store.safe_url, pool.size)
        try:
            yield
        finally:
            if app.state.emolens.kiosk is not None:
                app.state.emolens.kiosk.close()
            heartbeat.stop()
            store.close()

    app = FastAPIOffline(  # /docs and /redoc from the packaged Swagger UI and ReDoc, no CDN
        title="emolens",
        version=__version__,
        lifespan=lifespan,
        description="Faces, emotions and calibrated confidences; sessions, analytics and advice. "
        "State-changing requests need the X-CSRF-Token header (GET /api/csrf) or the API token.",
        swagger_ui_parameters={"validatorUrl": None},
    )
    app.add_middleware(SecurityMiddleware, token=settings.api_token)
    app.add_middleware(BodyLimitMiddleware, limits=body_limits(settings, people.MAX_PHOTOS))
    app.add_middleware(HostMiddleware, allowed=settings.allowed_hosts)
    app.add_exception_handler(EmolensError, _emolens_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.mount("/static", StaticFiles(directory=Path(__file__).with_name("static")), name="static")
    for module in (pages, sessions, observations, analyze, settings_api, people, monitoring, live, kiosk):
        app.include_router(module.router)
    return app
