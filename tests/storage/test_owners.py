"""Owners and heartbeats: sessions of a server or viewer that stopped beating are ended by the others."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, text

from emolens.errors import SessionNotFoundError, StorageError
from emolens.storage import Heartbeat, ObservationIn, Store

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _obs(when: datetime) -> ObservationIn:
    return ObservationIn(when, "happy", 0.8, {"happy": 0.8, "sad": 0.2})


def _age_heartbeat(store: Store, owner_id: str, seconds: float) -> None:
    """Make an owner look as if its last beat was ``seconds`` ago (as after a kill -9)."""
    stamp = datetime.now(UTC) - timedelta(seconds=seconds)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE owners SET heartbeat_at = :t WHERE id = :id"), {"t": stamp, "id": owner_id})


def test_migration_adds_owners_and_session_owner(store: Store) -> None:
    schema = inspect(store.engine)
    assert {c["name"] for c in schema.get_columns("owners")} == {
        "id",
        "kind",
        "host",
        "pid",
        "started_at",
        "heartbeat_at",
        "timeout_s",
    }
    assert "owner_id" in {c["name"] for c in schema.get_columns("sessions")}


def test_sessions_carry_their_owner(db_url: str) -> None:
    store = Store(db_url)
    orphan = store.create_session("Before", "webcam")
    owner = store.register_owner("server")
    owned = store.create_session("After", "webcam")
    with store.engine.connect() as conn:
        owners = dict(conn.execute(text("SELECT id, owner_id FROM sessions")).all())
        kind, pid = conn.execute(text("SELECT kind, pid FROM owners WHERE id = :id"), {"id": owner}).one()
    assert owners == {orphan.id: None, owned.id: owner} and kind == "server" and pid == os.getpid()
    store.close()


def test_a_dead_owners_sessions_end_at_their_last_observation(db_url: str) -> None:
    dead, alive = Store(db_url), Store(db_url)
    dead_id = dead.register_owner("server", timeout_s=30)
    alive.register_owner("viewer", timeout_s=30)
    recorded = dead.create_session("Interview", "webcam")
    last = datetime.now(UTC) - timedelta(seconds=40)
    dead.add_observations(recorded.id, [_obs(last - timedelta(seconds=5)), _obs(last)])
    empty = dead.create_session("Empty", "webcam")
    mine = alive.create_session("Mine", "desktop")
    assert alive.end_orphaned_sessions() == []  # the dead one beat just now: not yet gone
    _age_heartbeat(alive, dead_id, 31)
    assert sorted(alive.end_orphaned_sessions()) == sorted([recorded.id, empty.id])
    ended = alive.get_session(recorded.id)
    assert ended.ended_at == last and ended.observation_count == 2
    with pytest.raises(SessionNotFoundError):
        alive.get_session(empty.id)  # an empty orphan is deleted, never kept
    assert alive.get_session(mine.id).ended_at is None
    assert alive.end_orphaned_sessions() == []
    dead.close()
    alive.close()


def test_a_removed_owner_row_makes_orphans_at_once(db_url: str) -> None:
    first, second = Store(db_url), Store(db_url)
    first.register_owner("viewer")
    second.register_owner("server")
    session = first.create_session("Lecture", "desktop")
    first.add_observations(session.id, [_obs(T0)])
    first.release_owner()
    assert second.end_orphaned_sessions() == [session.id]
    assert second.get_session(session.id).ended_at == T0
    first.close()
    second.close()


def test_a_late_owner_registers_again_on_its_next_beat(store: Store) -> None:
    owner = store.register_owner("server", timeout_s=30)
    _age_heartbeat(store, owner, 60)
    store.end_orphaned_sessions()  # removes the silent owner's row
    store.heartbeat()
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM owners WHERE id = :id"), {"id": owner}).scalar() == 1
    session = store.create_session("Back", "webcam")
    assert store.end_orphaned_sessions() == [] and store.get_session(session.id).ended_at is None


def test_sessions_without_owner_keep_the_idle_rule(store: Store) -> None:
    crashed = store.create_session("Crashed", "desktop", started_at=T0)
    store.add_observations(crashed.id, [_obs(T0), _obs(T0 + timedelta(seconds=90))])
    silent = store.create_session("Silent", "webcam", started_at=T0 + timedelta(minutes=5))
    running = store.create_session("Running", "desktop")
    store.add_observations(running.id, [_obs(datetime.now(UTC))])
    assert sorted(store.end_orphaned_sessions()) == sorted([crashed.id, silent.id])
    assert store.get_session(crashed.id).ended_at == T0 + timedelta(seconds=90)
    with pytest.raises(SessionNotFoundError):
        store.get_session(silent.id)  # no observation: deleted rather than ended
    assert store.get_session(running.id).ended_at is None
    assert store.end_orphaned_sessions() == []


def test_heartbeat_thread_beats_and_reaps(db_url: str) -> None:
    dead, alive = Store(db_url), Store(db_url)
    dead.register_owner("server", timeout_s=0.5)
    session = dead.create_session("Killed", "webcam")
    dead.add_observations(session.id, [_obs(T0)])
    beat = Heartbeat(alive, "viewer", interval_s=0.1).start()
    try:
        deadline = time.monotonic() + 10
        while alive.get_session(session.id).ended_at is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert alive.get_session(session.id).ended_at == T0
        beats = []
        for _ in range(2):
            with alive.engine.connect() as conn:
                query = text("SELECT heartbeat_at FROM owners WHERE id = :id")
                beats.append(conn.execute(query, {"id": alive.owner_id}).scalar_one())
            time.sleep(0.35)
        assert beats[1] > beats[0], "the heartbeat (every 0.1 s) did not move"
    finally:
        beat.stop()
    assert alive.owner_id is None
    dead.close()
    alive.close()


def test_heartbeat_needs_an_owner(store: Store) -> None:
    with pytest.raises(StorageError, match="register_owner"):
        store.heartbeat()
    with pytest.raises(StorageError, match="owner kind"):
        store.register_owner("phone")
