"""The live WebSocket (/ws/live): frames in, faces and running statistics out; protocol in docs/websocket.md."""

from __future__ import annotations

import json
import logging
import struct
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from emolens.analytics import confidence_score
from emolens.errors import DatabaseError, EmolensError, SessionNotFoundError
from emolens.session import FaceCropSaver, SessionRecorder, load_user_settings
from emolens.session.summary import session_summary, summarize_observations
from emolens.storage import SessionRecord
from emolens.storage.facefiles import CROPS_FOLDER, remove_session_crops, session_folder
from emolens.types import FrameResult
from emolens.vision.io import Frame, read_image
from emolens.vision.pipeline import Analyzer
from emolens.vision.track import Tracker
from emolens.web.security import authorised, same_origin
from emolens.web.state import AppState, get_state

__all__ = ["router"]

log = logging.getLogger(__name__)
router = APIRouter()
FLUSH_EVERY_S = 1.0
RECORD_BATCH = 10_000  # live observations are written by time (FLUSH_EVERY_S), not by count
MAX_FRAME_BYTES = 2_000_000
MAX_TEXT_CHARS = 4_096


class LiveRun:
    """One browser's live session: its tracker, running counts, recorder and face-crop saver (when turned on)."""

    def __init__(self, state: AppState, session: SessionRecord, analyzer_labels: tuple[str, ...]):
        self.state = state
        self.prefs = load_user_settings(state.store)
        self.recorder = SessionRecorder(state.store, session, batch=RECORD_BATCH, flush_every_s=FLUSH_EVERY_S)
        self.crops = (
            FaceCropSaver(self.crops_folder, self.prefs.crop_every_n_frames) if self.prefs.save_face_crops else None
        )
        self.tracker: Tracker | None = None
        self.counts: Counter[str] = Counter({label: 0 for label in analyzer_labels})
        self.frames, self.started = 0, time.monotonic()
        self.alarm_seen = state.watch.last_event if state.watch else None  # banners show later alarms only

    @property
    def session_id(self) -> str:
        return self.recorder.session_id

    @property
    def crops_folder(self) -> Path:
        return session_folder(self.state.settings.data_folder / CROPS_FOLDER, self.session_id)

    def _analyze(self, analyzer: Analyzer, data: bytes) -> FrameResult:
        image = read_image(data)
        if self.tracker is None:
            self.tracker = analyzer.new_tracker()
        frame = Frame(self.frames, time.monotonic() - self.started, image)
        result = analyzer.analyze_frame(frame, self.tracker)
        if self.state.watch is not None:
            self.state.watch.observe(image, [p.face for p in result.predictions], self.session_id)
        if self.crops:
            self.crops.offer(image, result.predictions, datetime.now(UTC))
        return result

    async def frame(self, frame_id: int, data: bytes) -> dict[str, Any]:
        """Analyse one JPEG frame; the reply the browser draws.

        A DatabaseError when a due write failed; SessionNotFoundError once the session was deleted elsewhere.
        """
        t0 = time.perf_counter()
        result = await self.state.pool.run(lambda analyzer: self._analyze(analyzer, data))
        self.frames += 1
        self.counts.update(p.label.value for p in result.predictions)
        if not await to_thread.run_sync(self.recorder.add, result.predictions, datetime.now(UTC)):
            raise self.recorder.error or DatabaseError("the observations could not be stored yet")
        if self.recorder.deleted:
            raise SessionNotFoundError(f"session {self.session_id} was deleted while recording")
        faces = [
            {
                "bbox": p.face.bbox.to_dict(),
                "label": p.label.value,
                "emoji": p.label.emoji,
                "confidence": round(p.confidence, 4),
                "track_id": p.track_id,
                "person": p.person,
            }
            for p in result.predictions
        ]
        return {
            "type": "result",
            "frame_id": frame_id,
            "width": result.size_wh[0],
            "height": result.size_wh[1],
            "faces": faces,
            "counts": dict(self.counts),
            "confidence_score": confidence_score(self.counts, self.prefs.weights, self.prefs.other_weight),
            "server_ms": round((time.perf_counter() - t0) * 1000, 1),
        }

    def drift_banner(self) -> dict[str, Any] | None:
        """A "drift" message once per alarm of the live monitor raised since this session started, else None."""
        event = self.state.watch.last_event if self.state.watch else None
        if event is None or event is self.alarm_seen:  # not by id: SQLite reuses the ids of deleted rows
            return None
        self.alarm_seen = event
        names = ", ".join(f["feature"] for f in event.features)
        return {
            "type": "drift",
            "verdict": event.verdict,
            "features": [f["feature"] for f in event.features],
            "message": f"Input drift ({event.verdict}): {names} moved away from what the model was validated on.",
            "link": "/monitoring",
            "event": event.to_dict(),
        }


def _parse_frame(data: bytes) -> tuple[int, bytes]:
    if len(data) < 5 or len(data) > MAX_FRAME_BYTES:
        raise ValueError(f"a frame is 4 id bytes + a JPEG of at most {MAX_FRAME_BYTES} bytes, got {len(data)} bytes")
    return struct.unpack(">I", data[:4])[0], data[4:]


def _command(text: str | None) -> dict[str, Any]:
    """A client's text message as a JSON object with a "type"; ValueError saying what was wrong."""
    if text is None:
        raise ValueError('expected a JSON text message here, such as {"type": "stop"}, not binary data')
    if len(text) > MAX_TEXT_CHARS:
        raise ValueError(f"a text message holds at most {MAX_TEXT_CHARS} characters, got {len(text)}")
    try:
        message = json.loads(text)
    except (ValueError, RecursionError):
        raise ValueError(f'a text message must be JSON such as {{"type": "stop"}}, got {text[:40]!r}') from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ValueError('a text message must be a JSON object with a "type", such as {"type": "stop"}')
    return message


def _scenario(message: dict[str, Any]) -> str:
    """The scenario of a start message; ValueError unless it is text of 1 to 80 printable characters."""
    scenario = message.get("scenario")
    if message["type"] != "start" or not isinstance(scenario, str):
        raise ValueError(f"got type {message['type'][:20]!r} and scenario {str(scenario)[:20]!r}")
    scenario = scenario.strip()
    if not scenario or len(scenario) > 80 or not scenario.isprintable():
        raise ValueError(f"a scenario is 1 to 80 printable characters, got {scenario[:100]!r}")
    return scenario


async def _start(ws: WebSocket, state: AppState) -> SessionRecord:
    message = await ws.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    try:
        scenario = _scenario(_command(message.get("text")))
    except ValueError as exc:
        raise ValueError(f'the first message must be {{"type": "start", "scenario": "<name>"}}: {exc}') from None
    session = await to_thread.run_sync(state.store.create_session, scenario, "webcam")
    await to_thread.run_sync(state.apply_retention)
    await ws.send_json({"type": "started", "session": session.to_dict()})
    return session


async def _loop(ws: WebSocket, run: LiveRun) -> bool:
    """Serve frames until stop (True) or a disconnect (False); a bad message gets an error reply."""
    while True:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return False
        try:
            if message.get("bytes") is not None:
                frame_id, jpeg = _parse_frame(message["bytes"])
                await ws.send_json(await run.frame(frame_id, jpeg))
                banner = run.drift_banner()
                if banner is not None:
                    await ws.send_json(banner)
            elif _command(message.get("text"))["type"] == "stop":
                return True
            else:
                raise ValueError('after the start message, send binary frames or {"type": "stop"}')
        except SessionNotFoundError:
            raise
        except (EmolensError, ValueError) as exc:
            await ws.send_json({"type": "error", "detail": str(exc)})


def _unstored(recorder: SessionRecorder) -> str:
    """What the browser is told when the database refused the end of a session."""
    error = recorder.error
    detail = error.public if isinstance(error, DatabaseError) else str(error)
    if recorder.unsaved:
        return f"{detail}; {recorder.unsaved} observations of the end were not stored (the server kept them aside)"
    return f"{detail}; the session could not be marked ended"


async def _finish(state: AppState, run: LiveRun) -> dict[str, Any]:
    """Store what is queued and end the session; the summary, or an error saying what was not stored."""
    fallback = state.settings.data_folder / f"live-unsaved-{run.session_id}.csv"
    ended = await to_thread.run_sync(run.recorder.close, fallback)
    if run.recorder.deleted:
        log.warning("live session %s was deleted while recording", run.session_id)
        await to_thread.run_sync(remove_session_crops, state.settings.data_folder, [run.session_id])
        return {"type": "error", "detail": f"session {run.session_id} was deleted; nothing more was stored"}
    if run.recorder.error is not None:
        return {"type": "error", "detail": _unstored(run.recorder)}
    if ended.observation_count == 0:  # the store deleted it: an empty session is never kept
        return {"type": "summary", "summary": summarize_observations(ended, [], run.prefs).model_dump(mode="json")}
    try:
        await to_thread.run_sync(state.apply_retention)  # it counts toward retention now that it has observations
        summary = await to_thread.run_sync(session_summary, state.store, run.session_id, run.prefs)
    except SessionNotFoundError as exc:
        return {"type": "error", "detail": f"{exc}; nothing more was stored"}
    except DatabaseError as exc:
        return {"type": "error", "detail": f"{exc.public}; the summary could not be read"}
    return {"type": "summary", "summary": summary.model_dump(mode="json")}


@router.websocket("/ws/live")
async def live(ws: WebSocket) -> None:
    """Live session: start message, binary frames, stop message -> summary."""
    state = get_state(ws)
    if not same_origin(ws, state.settings.allowed_hosts) or not authorised(ws, state.settings.api_token):
        await ws.close(code=1008, reason="cross-origin or unauthorised")
        return
    await ws.accept()
    try:
        session = await _start(ws, state)
    except (ValueError, EmolensError) as exc:
        await ws.send_json({"type": "error", "detail": str(exc)})
        await ws.close(code=1003)
        return
    except WebSocketDisconnect:
        return
    run = LiveRun(state, session, tuple(e.value for e in state.pool.labels))
    stopped = False
    try:
        stopped = await _loop(ws, run)
    except WebSocketDisconnect:
        log.info("live session %s: browser went away", session.id)
    except SessionNotFoundError:
        stopped = True
    finally:
        reply = await _finish(state, run)
    if stopped:
        await ws.send_json(reply)
        await ws.close()
