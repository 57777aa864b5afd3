"""Kiosk endpoints (server-side camera): /video_feed (MJPEG), /emotion (JSON), /save_current (face crops).

The camera starts with the first request and records one session (source "webcam", scenario "Kiosk")
until the server stops, so analytics shows what it saw.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from fastapi import APIRouter, HTTPException
from fastapi.responses import StreamingResponse

from emolens.desktop.recorder import SessionRecorder
from emolens.errors import SourceError
from emolens.types import Prediction
from emolens.vision.annotate import annotate
from emolens.vision.io import VideoSource
from emolens.vision.pipeline import Analyzer
from emolens.web.observe import save_face_crops
from emolens.web.state import AppState, StateDep

__all__ = ["Kiosk", "router"]

log = logging.getLogger(__name__)
router = APIRouter(tags=["kiosk"])
KIOSK_SCENARIO = "Kiosk"


class Kiosk:
    """Reads a camera (or loops a video file) in a thread, keeping the latest frame, faces and JPEG.

    With a ``recorder`` every face seen is stored in its session, at least once per ``flush_every_s``;
    ``close`` ends the session (what the database refused goes to ``fallback_csv``).
    """

    def __init__(
        self,
        source: str,
        analyzer: Analyzer,
        recorder: SessionRecorder | None = None,
        fallback_csv: Path | None = None,
        flush_every_s: float = 1.0,
    ):
        self.source: str | int = int(source) if source.isdigit() else source
        self.analyzer = analyzer
        self.recorder, self.fallback_csv, self.flush_every_s = recorder, fallback_csv, flush_every_s
        self._last_flush = time.monotonic()
        self.lock = threading.Lock()
        self.frame: np.ndarray | None = None
        self.predictions: list[Prediction] = []
        self.jpeg: bytes = b""
        self.version = 0
        self.error: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="emolens-kiosk", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with VideoSource(self.source) as video:
                    self._consume(video)
            except SourceError as exc:
                self.error = str(exc)
                log.error("kiosk camera: %s", exc)
                return
            if isinstance(self.source, int):
                return

    def _consume(self, video: VideoSource) -> None:
        tracker = self.analyzer.new_tracker()
        for frame in video:
            if self._stop.is_set():
                return
            result = self.analyzer.analyze_frame(frame, tracker)
            ok, jpeg = cv2.imencode(".jpg", annotate(frame.image, result.predictions), [cv2.IMWRITE_JPEG_QUALITY, 80])
            with self.lock:
                self.frame, self.predictions = frame.image, result.predictions
                self.jpeg, self.version = (jpeg.tobytes() if ok else self.jpeg), self.version + 1
            self._record(result.predictions)

    def _record(self, predictions: list[Prediction]) -> None:
        if self.recorder is None:
            return
        self.recorder.add(predictions, datetime.now(UTC))
        if time.monotonic() - self._last_flush >= self.flush_every_s:
            self._last_flush = time.monotonic()
            self.recorder.flush()

    def current(self) -> tuple[np.ndarray | None, list[Prediction], bytes, int]:
        with self.lock:
            return self.frame, list(self.predictions), self.jpeg, self.version

    def close(self) -> None:
        """Stop the camera thread, store what is queued and end the session."""
        self._stop.set()
        self._thread.join(timeout=5)
        if self.recorder is not None:
            self.recorder.close(self.fallback_csv or Path("kiosk-unsaved-observations.csv"))


def _kiosk(state: AppState) -> Kiosk:
    if state.settings.camera is None:
        raise HTTPException(503, "no server-side camera: start with `emolens serve --camera 0` (or a video file)")
    if state.kiosk is None:
        analyzer = Analyzer(
            state.settings.detector,
            state.settings.model,
            small_faces=False,
            gallery=state.gallery,
            recognizer=state.recognizer,
        )
        recorder = SessionRecorder(state.store, KIOSK_SCENARIO, source="webcam")
        fallback = state.settings.data_folder / f"kiosk-unsaved-{recorder.session_id}.csv"
        state.kiosk = Kiosk(state.settings.camera, analyzer, recorder, fallback)
    if state.kiosk.error:
        raise HTTPException(503, f"the server-side camera failed: {state.kiosk.error}")
    return state.kiosk


async def _mjpeg(kiosk: Kiosk) -> AsyncIterator[bytes]:
    seen = -1
    while not kiosk._stop.is_set():
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
def emotion(state: StateDep) -> dict[str, Any]:
    """The current emotion of the largest face on the server-side camera, and every face."""
    _, predictions, _, version = _kiosk(state).current()
    faces = [p.to_dict() for p in sorted(predictions, key=lambda p: p.face.bbox.area, reverse=True)]
    top = faces[0] if faces else None
    return {
        "frame": version,
        "emotion": top and top["label"],
        "confidence": top and top["confidence"],
        "emoji": top and top["emoji"],
        "faces": faces,
    }


@router.post("/save_current")
def save_current(state: StateDep) -> dict[str, Any]:
    """Save the current faces of the server-side camera as crops under the data folder, by emotion."""
    frame, predictions, _, _ = _kiosk(state).current()
    if frame is None or not predictions:
        raise HTTPException(409, "no face on the server-side camera right now; try again when one is visible")
    paths = save_face_crops(frame, predictions, state.settings.data_folder / "saved_faces")
    return {"saved": [str(Path(p)) for p in paths]}
