"""Drift events on SQLite and PostgreSQL: stored with their tests, listed newest first, and deleted with their
session by every way a session goes (deletion, retention, delete everything)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect

from emolens.errors import StorageError
from emolens.storage import ObservationIn, Store
from emolens.storage.drift_events import DriftEventIn

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
BRIGHTNESS = {
    "feature": "brightness", "test": "kolmogorov-smirnov", "statistic": 0.61, "p_value": 1e-9,
    "effect_name": "psi", "effect": 1.9, "threshold": 0.25, "level": "drift",
}  # fmt: skip


def _event(session_id: str | None, minutes: int, verdict: str = "drift") -> DriftEventIn:
    details = {"faces": 300, "previous": "ok"}
    return DriftEventIn(T0 + timedelta(minutes=minutes), "live", verdict, [BRIGHTNESS], details, session_id)


def _session(store: Store, minutes: int) -> str:
    session = store.create_session("Exam", "webcam", started_at=T0 + timedelta(minutes=minutes))
    store.add_observations(session.id, [ObservationIn(T0 + timedelta(minutes=minutes), "happy", 0.9, {"happy": 0.9})])
    store.end_session(session.id)
    return session.id


def test_events_are_stored_listed_and_go_with_their_session(store: Store) -> None:
    assert "drift_events" in inspect(store.engine).get_table_names()
    first, second, third = (_session(store, m) for m in (0, 10, 20))
    stored = [store.drift_events.add(_event(s, m)) for s, m in ((first, 1), (second, 11), (third, 21), (None, 30))]
    assert all(e is not None for e in stored)
    listed = store.drift_events.list()
    assert [e.session_id for e in listed] == [None, third, second, first]  # newest first
    assert listed[-1].features == [BRIGHTNESS] and listed[-1].details == {"faces": 300, "previous": "ok"}
    assert listed[-1].at == T0 + timedelta(minutes=1) and listed[-1].verdict == "drift"
    assert [e.session_id for e in store.drift_events.list(session_id=second)] == [second]
    assert len(store.drift_events.list(since=T0 + timedelta(minutes=11))) == 3

    store.delete_session(first)
    assert [e.session_id for e in store.drift_events.list()] == [None, third, second]
    assert store.apply_retention(1) == [second]
    assert [e.session_id for e in store.drift_events.list()] == [None, third]
    assert store.drift_events.add(_event(first, 40)) is None  # its session is gone: nothing to attach it to
    assert store.delete_all() == 1
    assert store.drift_events.list() == []  # the events of no session too


def test_bad_events_are_refused_with_the_reason(store: Store) -> None:
    with pytest.raises(StorageError, match="verdict is one of warn, drift"):
        store.drift_events.add(_event(None, 0, verdict="ok"))
    with pytest.raises(StorageError, match="unknown drift source"):
        store.drift_events.add(DriftEventIn(T0, "upload", "warn", [], {}))
    with pytest.raises(StorageError, match="timezone-aware"):
        store.drift_events.add(DriftEventIn(datetime(2026, 12, 1), "live", "warn", [], {}))
    assert store.drift_events.list() == []
