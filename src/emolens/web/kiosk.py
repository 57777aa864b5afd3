"""Kiosk endpoints (server-side camera): /video_feed (MJPEG), /emotion (JSON), /save_current (face crops).

The camera starts with the first request from this app's own pages (or with the API token) and records one
session (source "webcam", scenario "Kiosk") until the server stops, so analytics shows what it saw; a video
file plays at its own frame rate, looped. Its faces feed a drift monitor of their own (source "kiosk"), whose
alarms are stored and sent to the drift hook like the live sessions'.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import cv2
import numpy as np
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import StreamingResponse

from emolens.errors import SourceError
from emolens.monitoring.watch import DriftWatch, start_watch
from emolens.session import FaceCropSaver, SessionRecorder
from emolens.storage.facefiles import SAVED_FOLDER, session_folder
from emolens.types import Prediction
from emolens.vision.annotate import annotate
from emolens.vision.io import VideoSource
from emolens.vision.pipeline import Analyzer
from emolens.web.schemas import KioskEmotionOut, SavedFacesOut
from emolens.web.security import authorised
from emolens.web.state import AppState, StateDep, get_state

__all__ = ["Kiosk", "router"]

log = logging.getLogger(__name__)
KIOSK_SCENARIO = "Kiosk"


class Kiosk:
    """Reads a camera (or loops a video file at its frame rate) in a thread, keeping the latest frame and faces.

    Every face seen is stored in the ``recorder``'s session (written as often as it says); ``close``
    ends the session (what the database refused goes to ``fallback_csv``). When reading fails, ``error``
    says why and the thread stops. ``watch``, when given, tests the faces for drift.
    """

    def __init__(
        self,
        source: str,
        analyzer: Analyzer,
        recorder: SessionRecorder,
        fallback_csv: Path,
        watch: DriftWatch | None = None,
    ):
        self.source: str | int = int(source) if source.isdigit() else source
        self.paced = isinstance(self.source, str) and "://" not in self.source  # a file; cameras pace themselves
        self.analyzer = analyzer
        self.recorder, self.fallback_csv = recorder, fallback_csv
        self.watch = watch
        self.lock = threading.Lock()
        self.frame: np.ndarray | None = None
        self.predictions: list[Prediction] = []
        self.jpeg: bytes = b""
        self.version = 0
        self.error: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="emolens-kiosk", daemon=True)
        self._thread.start()

    @property
    def session_id(self) -> str:
        return self.recorder.session_id

    @property
    def running(self) -> bool:
        return not self._stop.is_set() and self.error is None

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                with VideoSource(self.source) as video:
                    self._consume(video)
                if not self.paced and not self._stop.is_set():
                    raise SourceError(f"{self.source} stopped giving frames")
        except Exception as exc:  # the thread must say why it stopped, whatever it was
            self.error = str(exc) or type(exc).__name__
            log.exception("the kiosk camera %s stopped", self.source)

    def _consume(self, video: VideoSource) -> None:
        tracker = self.analyzer.new_tracker()
        start = time.monotonic()
        for frame in video:
            if self.paced:
                self._stop.wait(max(0.0, start + frame.timestamp_s - time.monotonic()))
            if self._stop.is_set():
                return
            result = self.analyzer.analyze_frame(frame, tracker)
            ok, jpeg = cv2.imencode(".jpg", annotate(frame.image, result.predictions), [cv2.IMWRITE_JPEG_QUALITY, 80])
            with self.lock:
                self.frame, self.predictions = frame.image, result.predictions
                self.jpeg, self.version = (jpeg.tobytes() if ok else self.jpeg), self.version + 1
            self.recorder.add(result.predictions, datetime.now(UTC))
            if self.watch is not None:
                self.watch.observe(frame.image, [p.face for p in result.predictions], self.session_id)

    def current(self) -> tuple[np.ndarray | None, list[Prediction], bytes, int]:
        with self.lock:
            return self.frame, list(self.predictions), self.jpeg, self.version

    def close(self) -> None:
        """Stop the camera thread, store what is queued and end the session."""
        self._stop.set()
        self._thread.join(timeout=5)
        self.recorder.close(self.fallback_csv)


def _from_elsewhere(request: Request) -> str | None:
    """Why a browser request came from a page of another site (None when it came from this app or no page)."""
    site = request.headers.get("sec-fetch-site")
    if site in ("cross-site", "same-site"):
        return f"the browser marks it Sec-Fetch-Site: {site}"
    host = request.headers.get("host")
    for header in ("origin", "referer"):
        value = request.headers.get(header)
        if value is not None and urlsplit(value).netloc != host:
            return f"its {header.title()} {value[:100]!r} names another site"
    return None


def same_site_only(request: Request) -> None:
    """Refuse (403) kiosk requests from other sites' pages: an <img> there must not start the camera.

    A request with the API token passes, wherever it comes from.
    """
    token = get_state(request).settings.api_token
    if token is not None and authorised(request, token):
        return
    reason = _from_elsewhere(request)
    if reason is not None:
        raise HTTPException(
            403,
            f"the server-side camera answers only this app's own pages, and {reason}; "
            "open it from the app, or send the API token",
        )


def _start(state: AppState, camera: str) -> Kiosk:
    analyzer = Analyzer(
        state.settings.detector,
        state.settings.model,
        small_faces="never",
        gallery=state.gallery,
        recognizer=state.recognizer,
    )
    recorder = SessionRecorder.start(state.store, KIOSK_SCENARIO, source="webcam", flush_every_s=1.0)
    fallback = state.settings.data_folder / f"kiosk-unsaved-{recorder.session_id}.csv"
    options = state.settings.monitoring
    watch = start_watch(state.store, "kiosk", options, state.settings.model)
    return Kiosk(camera, analyzer, recorder, fallback, watch)


def _kiosk(state: AppState) -> Kiosk:
    """The one kiosk: the first request starts it (under the lock, so concurrent first requests share it)."""
    camera = state.settings.camera
    if camera is None:
        raise HTTPException(503, "no server-side camera: start with `emolens serve --camera 0` (or a video file)")
    with state.kiosk_lock:
        if state.kiosk is None:
            state.kiosk = _start(state, camera)
        kiosk: Kiosk = state.kiosk
    if kiosk.error:
        raise HTTPException(503, f"the server-side camera failed: {kiosk.error}")
    return kiosk


router = APIRouter(tags=["kiosk"], dependencies=[Depends(same_site_only)])


async def _mjpeg(kiosk: Kiosk) -> AsyncIterator[bytes]:
    seen = -1
    while kiosk.running:
        _, _, jpeg, version = kiosk.current()
        if version != seen and jpeg:
            seen = version
            head = f"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n".encode()
            yield head + jpeg + b"\r\n"
        await asyncio.sleep(0.02)


@router.get("/video_feed")
def video_feed(state: StateDep) -> StreamingResponse:
    """The server-side camera, annotated, as an MJPEG stream (use it as an <img> source)."""
    return StreamingResponse(_mjpeg(_kiosk(state)), media_type="multipart/x-mixed-replace; boundary=frame")


@router.get("/emotion")
def emotion(state: StateDep) -> KioskEmotionOut:
    """The current emotion of the largest face on the server-side camera, and every face."""
    _, predictions, _, version = _kiosk(state).current()
    faces = [p.to_dict() for p in sorted(predictions, key=lambda p: p.face.bbox.area, reverse=True)]
    top = faces[0] if faces else None
    return KioskEmotionOut.model_validate(
        {
            "frame": version,
            "emotion": top and top["label"],
            "confidence": top and top["confidence"],
            "emoji": top and top["emoji"],
            "faces": faces,
        }
    )


@router.post("/save_current")
def save_current(state: StateDep) -> SavedFacesOut:
    """Save the current faces of the server-side camera as crops in the kiosk session's folder, by emotion."""
    kiosk = _kiosk(state)
    frame, predictions, _, _ = kiosk.current()
    if kiosk.recorder.deleted:
        raise HTTPException(409, "the kiosk's session was deleted: restart the server to record (and save) again")
    if frame is None or not predictions:
        raise HTTPException(409, "no face on the server-side camera right now; try again when one is visible")
    folder = session_folder(state.settings.data_folder / SAVED_FOLDER, kiosk.session_id)
    paths = FaceCropSaver(folder).save(frame, predictions, datetime.now(UTC))
    return SavedFacesOut(saved=[str(p) for p in paths])
