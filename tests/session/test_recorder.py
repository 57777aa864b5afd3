"""SessionRecorder on a real SQLite store: batches, export, end, a locked database, a session deleted elsewhere."""

from __future__ import annotations

import csv
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from tests.session.test_stats import pred

from emolens.session import ObservationRow, SessionRecorder, write_csv
from emolens.storage import ObservationFilter, Store
from emolens.types import Emotion

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def _frames(recorder: SessionRecorder, count: int, faces: int = 1) -> None:
    for i in range(count):
        recorder.add([pred(Emotion.HAPPY if i % 2 else Emotion.SAD, 0.7)] * faces, T0 + timedelta(seconds=i / 10))


def test_batches_reach_the_store_and_close_ends_the_session(store: Store, tmp_path: Path) -> None:
    recorder = SessionRecorder.start(store, "Interview", batch=4)
    _frames(recorder, 5)
    assert recorder.stored == 4  # one full batch written, one observation queued
    _frames(recorder, 1)
    records = recorder.observations()  # writes what is queued first
    assert len(records) == 6 and recorder.stored == 6
    assert {r.source for r in records} == {"desktop"} and {r.scenario for r in records} == {"Interview"}
    assert records[0].probabilities["sad"] == 0.7 and records[0].bbox == (0.0, 0.0, 10.0, 10.0)
    session = recorder.close(tmp_path / "unsaved.csv")
    assert session.ended_at is not None and session.observation_count == 6
    assert store.get_session(recorder.session_id).source == "desktop"
    assert not (tmp_path / "unsaved.csv").exists()


def test_a_session_that_saw_no_face_is_not_kept(store: Store, tmp_path: Path) -> None:
    real = SessionRecorder.start(store, "Real", batch=1)
    _frames(real, 2)
    real.close(tmp_path / "real.csv")
    recorder = SessionRecorder.start(store, "Empty room")
    recorder.add([], T0)
    session = recorder.close(tmp_path / "unsaved.csv")
    assert session.ended_at is not None and session.observation_count == 0
    assert [s.id for s in store.list_sessions()] == [real.session_id]
    assert store.apply_retention(1) == [] and store.get_session(real.session_id).observation_count == 2


def test_write_csv_has_one_row_per_observation(store: Store, tmp_path: Path) -> None:
    recorder = SessionRecorder.start(store, "Exam")
    _frames(recorder, 3, faces=2)
    rows = write_csv(tmp_path / "out.csv", map(ObservationRow.of_record, recorder.observations()))
    with (tmp_path / "out.csv").open() as handle:
        table = list(csv.DictReader(handle))
    assert rows == len(table) == 6
    assert table[0]["emotion"] == "sad" and float(table[0]["p_sad"]) == 0.7 and table[0]["source"] == "desktop"
    assert table[0]["session_id"] == recorder.session_id


def test_a_locked_database_loses_nothing(store: Store, db_file: Path, tmp_path: Path) -> None:
    recorder = SessionRecorder.start(store, "Meeting", batch=1000)
    _frames(recorder, 3)
    blocker = sqlite3.connect(db_file, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        session = recorder.close(tmp_path / "unsaved.csv")  # waits out the busy timeout, then saves the batch aside
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert session.ended_at is not None and session.observation_count == 0 and recorder.unsaved == 3
    with (tmp_path / "unsaved.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == 3


def test_a_session_deleted_elsewhere_is_not_recreated(store: Store, tmp_path: Path) -> None:
    recorder = SessionRecorder.start(store, "Meeting", batch=2)
    _frames(recorder, 2)
    store.delete_session(recorder.session_id)  # e.g. from the web app while the viewer runs
    _frames(recorder, 4)
    session = recorder.close(tmp_path / "unsaved.csv")
    assert recorder.deleted and session.observation_count == 0
    assert store.query_observations(ObservationFilter(session_id=recorder.session_id)) == []
    assert store.list_sessions() == [] and not (tmp_path / "unsaved.csv").exists()


def test_a_broken_database_keeps_every_observation_in_the_fallback_csv(store: Store, tmp_path: Path) -> None:
    recorder = SessionRecorder.start(store, "Meeting", batch=2)
    _frames(recorder, 2)
    with store.engine.begin() as connection:  # the table vanishes under the running session
        connection.execute(text("DROP TABLE observations"))
    _frames(recorder, 3)
    assert recorder.stored == 2 and not recorder.flush()
    session = recorder.close(tmp_path / "unsaved.csv")
    assert session.ended_at is not None and session.observation_count == 2
    with (tmp_path / "unsaved.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == 3
