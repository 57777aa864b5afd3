"""/api/sessions: create, list, get, summary, end, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from emolens.session.settings import load_user_settings
from emolens.session.summary import SessionPublic, SessionSummary, session_summary
from emolens.web import erase
from emolens.web.params import PlainText, SessionId
from emolens.web.schemas import SessionCreate
from emolens.web.state import StateDep, StoreDep

__all__ = ["router"]

router = APIRouter(prefix="/api/sessions", tags=["sessions"])


@router.post("", status_code=201)
def create_session(body: SessionCreate, state: StateDep) -> SessionPublic:
    """Start a session (the live page does this over the WebSocket; scripts use this)."""
    record = state.store.create_session(body.scenario, body.source)
    state.apply_retention()
    return SessionPublic.of(record)


@router.get("")
def list_sessions(
    store: StoreDep, source: PlainText = None, limit: Annotated[int | None, Query(ge=1, le=100_000)] = None
) -> list[SessionPublic]:
    """Sessions, newest first."""
    return [SessionPublic.of(s) for s in store.list_sessions(source=source or None, limit=limit)]


@router.get("/{session_id}")
def get_session(session_id: SessionId, store: StoreDep) -> SessionPublic:
    return SessionPublic.of(store.get_session(session_id))


@router.get("/{session_id}/summary")
async def summary(session_id: SessionId, store: StoreDep, person: PlainText = None) -> SessionSummary:
    """Counts, shares, confidence score, dominant and trending emotions, timeline and advice (of one person)."""
    return await run_in_threadpool(session_summary, store, session_id, load_user_settings(store), person or None)


@router.post("/{session_id}/end")
def end_session(session_id: SessionId, store: StoreDep) -> SessionPublic:
    return SessionPublic.of(store.end_session(session_id))


@router.delete("/{session_id}", status_code=204)
def delete_session(session_id: SessionId, state: StateDep) -> Response:
    """Delete a session, every observation in it and its face crops."""
    erase.delete_session(state.store, state.settings.data_folder, session_id)
    return Response(status_code=204)
