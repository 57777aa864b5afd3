from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from emolens.errors import DatabaseError, SessionNotFoundError, StorageError
from emolens.storage import ObservationFilter, ObservationIn, Store, resolve_db_url
from emolens.storage.database import advice_for

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _obs(second: float, emotion: str = "happy", person: str | None = None, track: int | None = 1) -> ObservationIn:
    probs = {"happy": 0.7, "neutral": 0.2, "sad": 0.1}
    return ObservationIn(T0 + timedelta(seconds=second), emotion, 0.7, probs, track, person, (1.0, 2.0, 30.0, 40.0))


def test_migrations_create_the_schema(store: Store) -> None:
    tables = set(inspect(store.engine).get_table_names())
    assert {"sessions", "observations", "settings", "alembic_version"} <= tables


def test_reopening_a_migrated_database_keeps_records(db_url: str) -> None:
    first = Store(db_url)
    session = first.create_session("Interview", "webcam")
    first.close()
    second = Store(db_url)
    assert second.get_session(session.id).scenario == "Interview"
    second.close()


def test_session_life_cycle(store: Store) -> None:
    session = store.create_session("Exam", "webcam")
    assert len(session.id) == 36 and session.ended_at is None and session.started_at.tzinfo is not None
    assert store.add_observations(session.id, [_obs(0), _obs(1, "sad"), _obs(2, "sad")]) == 3
    ended = store.end_session(session.id)
    assert ended.ended_at is not None and ended.observation_count == 3
    again = store.end_session(session.id)
    assert again.ended_at == ended.ended_at


def test_observations_round_trip(store: Store) -> None:
    session = store.create_session("Meeting", "upload")
    store.add_observations(session.id, [_obs(5, "neutral", person="ada", track=None)])
    [row] = store.query_observations(ObservationFilter(session_id=session.id))
    assert (row.emotion, row.person, row.track_id) == ("neutral", "ada", None)
    assert (row.source, row.scenario) == ("upload", "Meeting")
    assert row.timestamp == T0 + timedelta(seconds=5)
    assert row.probabilities == {"happy": 0.7, "neutral": 0.2, "sad": 0.1}
    assert row.bbox == (1.0, 2.0, 30.0, 40.0)


def test_filters(store: Store) -> None:
    live = store.create_session("Interview", "webcam")
    video = store.create_session("Exam", "video")
    store.add_observations(live.id, [_obs(0, "happy", "ada"), _obs(10, "sad", "bob")])
    store.add_observations(video.id, [_obs(20, "angry"), _obs(30, "happy")])
    q = store.query_observations
    assert [o.emotion for o in q(ObservationFilter(source="video"))] == ["angry", "happy"]
    assert [o.emotion for o in q(ObservationFilter(scenario="Interview"))] == ["happy", "sad"]
    assert [o.emotion for o in q(ObservationFilter(person="bob"))] == ["sad"]
    assert [o.emotion for o in q(ObservationFilter(emotion="happy"))] == ["happy", "happy"]
    window = ObservationFilter(since=T0 + timedelta(seconds=10), until=T0 + timedelta(seconds=30))
    assert [o.emotion for o in q(window)] == ["sad", "angry"]
    assert len(q(ObservationFilter(limit=3, offset=2))) == 2
    assert store.distinct_values() == {"scenarios": ["Exam", "Interview"], "people": ["ada", "bob"]}


def test_list_sessions_newest_first_with_counts(store: Store) -> None:
    old = store.create_session("A", "webcam", started_at=T0)
    new = store.create_session("B", "upload", started_at=T0 + timedelta(hours=1))
    store.add_observations(old.id, [_obs(0), _obs(1)])
    listed = store.list_sessions()
    assert [(s.id, s.observation_count) for s in listed] == [(new.id, 0), (old.id, 2)]
    assert [s.id for s in store.list_sessions(source="upload")] == [new.id]


def test_delete_session_and_all(store: Store) -> None:
    a = store.create_session("A", "webcam")
    b = store.create_session("B", "webcam")
    store.add_observations(a.id, [_obs(0)])
    store.add_observations(b.id, [_obs(1)])
    store.delete_session(a.id)
    with pytest.raises(SessionNotFoundError, match="no session"):
        store.get_session(a.id)
    assert [o.session_id for o in store.query_observations()] == [b.id]
    assert store.delete_all() == 1
    assert store.list_sessions() == [] and store.query_observations() == []


def test_retention_keeps_the_latest(store: Store) -> None:
    ids = [store.create_session(f"S{i}", "webcam", started_at=T0 + timedelta(minutes=i)).id for i in range(7)]
    for session_id in ids:
        store.add_observations(session_id, [_obs(0)])
        store.end_session(session_id)
    assert store.apply_retention(None) == []
    deleted = store.apply_retention(5)
    assert sorted(deleted) == sorted(ids[:2])
    assert {s.id for s in store.list_sessions()} == set(ids[2:])
    assert len(store.query_observations()) == 5


def test_retention_never_deletes_a_session_still_recording(store: Store) -> None:
    live = store.create_session("Live", "desktop", started_at=T0)
    store.add_observations(live.id, [_obs(0), _obs(1)])
    ended = [store.create_session(f"S{i}", "upload", started_at=T0 + timedelta(minutes=i + 1)).id for i in range(3)]
    for session_id in ended:
        store.add_observations(session_id, [_obs(0)])
        store.end_session(session_id)
    assert store.retention_preview(1) == (2, 2)  # S0 and S1; the live one is beyond the latest 1 but spared
    assert sorted(store.apply_retention(1)) == sorted(ended[:2])
    assert {s.id for s in store.list_sessions()} == {live.id, ended[2]}
    assert store.apply_retention(0) == [ended[2]]
    assert store.get_session(live.id).observation_count == 2
    store.end_session(live.id)
    assert store.apply_retention(0) == [live.id]


def test_empty_sessions_never_count_toward_retention(store: Store) -> None:
    real = store.create_session("Real", "webcam", started_at=T0)
    store.add_observations(real.id, [_obs(0), _obs(1), _obs(2)])
    store.end_session(real.id)
    empty = [store.create_session(f"E{i}", "webcam", started_at=T0 + timedelta(minutes=i + 1)) for i in range(6)]
    for session in empty[:5]:
        assert store.end_session(session.id).observation_count == 0  # ending it empty deletes it
        with pytest.raises(SessionNotFoundError):
            store.get_session(session.id)
    assert store.retention_preview(1) == (0, 0)
    assert store.apply_retention(1) == []
    assert {s.id for s in store.list_sessions()} == {real.id, empty[5].id}  # the open one waits for its faces
    assert store.get_session(real.id).observation_count == 3
    assert store.retention_preview(0) == (1, 3)


def test_retention_deletes_empty_sessions_ended_before_this_rule(store: Store) -> None:
    real = store.create_session("Real", "webcam", started_at=T0)
    store.add_observations(real.id, [_obs(0)])
    store.end_session(real.id)
    legacy = store.create_session("Legacy", "upload", started_at=T0 + timedelta(minutes=1))
    with store.engine.begin() as conn:  # an empty session ended by an older emolens
        conn.execute(text("UPDATE sessions SET ended_at = started_at WHERE id = :id"), {"id": legacy.id})
    assert store.retention_preview(5) == (0, 0)
    assert store.apply_retention(5) == [legacy.id]
    assert [s.id for s in store.list_sessions()] == [real.id]


def test_settings_round_trip(store: Store) -> None:
    assert store.get_setting("retention", 5) == 5
    store.set_setting("retention", None)
    assert store.get_setting("retention", 5) is None
    store.set_setting("weights", {"happy": 3})
    assert store.get_setting("weights") == {"happy": 3}


def test_bad_input_is_refused_with_reasons(store: Store) -> None:
    with pytest.raises(StorageError, match="unknown source 'phone'"):
        store.create_session("A", "phone")
    with pytest.raises(StorageError, match="scenario needs"):
        store.create_session("  ", "webcam")
    session = store.create_session("A", "webcam")
    with pytest.raises(StorageError, match="confidence must lie"):
        store.add_observations(session.id, [ObservationIn(T0, "happy", 1.5)])
    with pytest.raises(SessionNotFoundError):
        store.add_observations("nope", [_obs(0)])
    with pytest.raises(StorageError, match="timezone-aware"):
        store.add_observations(session.id, [ObservationIn(datetime(2025, 1, 1), "happy", 0.5)])
    assert store.query_observations() == []


def test_concurrent_writers(store: Store) -> None:
    session = store.create_session("Load", "webcam")
    errors: list[Exception] = []

    def write(offset: int) -> None:
        try:
            for i in range(20):
                store.add_observations(session.id, [_obs(offset + i)])
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(k * 100,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and store.get_session(session.id).observation_count == 80


def test_sqlite_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    Store(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_unreachable_database_says_what_to_do() -> None:
    with pytest.raises(StorageError, match="check --db or EMOLENS_DB"):
        Store("postgresql+psycopg://nobody@127.0.0.1:1/none")


def test_resolve_db_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("EMOLENS_DB", "postgresql://from-the-environment/ignored")  # library code reads no env
    assert resolve_db_url(None, tmp_path / "data") == f"sqlite:///{tmp_path / 'data' / 'emolens.db'}"
    assert (tmp_path / "data").is_dir()
    assert resolve_db_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert resolve_db_url("sqlite:///x.db") == "sqlite:///x.db"
    assert resolve_db_url(str(tmp_path / "y.db")) == f"sqlite:///{tmp_path / 'y.db'}"


def _drop_observations_table(store: Store) -> None:
    with store.engine.begin() as connection:  # a real failure: the table is gone under the running store
        connection.execute(text("DROP TABLE observations"))


def test_a_broken_database_raises_a_storage_error_that_says_what_to_do(store: Store) -> None:
    session = store.create_session("Exam", "webcam")
    _drop_observations_table(store)
    expected = rf"could not store observations of session {session.id} in .*restore a backup"
    with pytest.raises(DatabaseError, match=expected):
        store.add_observations(session.id, [_obs(0)])
    with pytest.raises(StorageError, match=f"could not end session {session.id}"):
        store.end_session(session.id)
    with store.engine.connect() as connection:  # what was stored before is still there
        assert connection.execute(text("SELECT scenario FROM sessions")).scalars().all() == ["Exam"]
    store.set_setting("still", "writable")
    assert store.get_setting("still") == "writable"


def test_a_read_only_sqlite_file_raises_a_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    Store(f"sqlite:///{path}").close()
    read_only = Store(f"sqlite:///file:{path}?mode=ro&uri=true", migrate=False)
    try:
        with pytest.raises(DatabaseError, match=r"could not create a session in .*readonly.*make the database file"):
            read_only.create_session("Exam", "webcam")
        assert read_only.list_sessions() == []
    finally:
        read_only.close()


def test_advice_for_common_failures() -> None:
    assert "another program" in advice_for("database is locked")
    assert "server is running" in advice_for("connection refused")
    assert "--db or EMOLENS_DB" in advice_for("something else")
