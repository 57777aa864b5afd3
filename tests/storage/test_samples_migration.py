"""Migration 0005 on a database holding rows from before it, on SQLite and PostgreSQL: every old row stands
for one frame, and nothing stored before is lost."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, text

from emolens.storage import Store
from emolens.storage.store import _MIGRATIONS


def _migrate_to(url: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(Path(_MIGRATIONS)))
    engine = create_engine(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    engine.dispose()


def _seed_0003(url: str) -> None:
    """A session with two per-frame observations and an enrolled person, written as schema 0003 had them."""
    engine = create_engine(url)
    with engine.begin() as db:
        db.execute(
            text(
                "INSERT INTO sessions (id, scenario, source, started_at) "
                "VALUES ('s1', 'Old class', 'webcam', '2025-01-01 12:00:00+00:00')"
            )
        )
        for second, emotion in ((0, "happy"), (1, "sad")):
            db.execute(
                text(
                    "INSERT INTO observations (session_id, timestamp, track_id, person, emotion, confidence, "
                    "probabilities, bbox) VALUES ('s1', :t, 1, NULL, :e, 0.8, :p, '[1.0, 2.0, 3.0, 4.0]')"
                ),
                {"t": f"2025-01-01 12:00:0{second}+00:00", "e": emotion, "p": f'{{"{emotion}": 0.8}}'},
            )
        db.execute(text("INSERT INTO people (name, created_at) VALUES ('Ada', '2025-01-01 11:00:00+00:00')"))
    engine.dispose()


def test_0005_upgrades_a_database_with_rows(db_url: str) -> None:
    _migrate_to(db_url, "0003")
    _seed_0003(db_url)
    store = Store(db_url)  # migrates to the head on open
    try:
        rows = store.query_observations()
        assert [(r.emotion, r.frames, r.probabilities, r.bbox) for r in rows] == [
            ("happy", 1, {"happy": 0.8}, (1.0, 2.0, 3.0, 4.0)),
            ("sad", 1, {"sad": 0.8}, (1.0, 2.0, 3.0, 4.0)),
        ]
        assert store.get_session("s1").observation_count == 2 and store.people.get("Ada").name == "Ada"
        assert store.revisions.current("people") == 0
        columns = {c["name"]: c for c in inspect(store.engine).get_columns("observations")}
        assert not columns["frames"]["nullable"]
        with store.engine.begin() as db:  # a writer that knows nothing of frames (an older server) still works
            db.execute(
                text(
                    "INSERT INTO observations (session_id, timestamp, emotion, confidence, probabilities) "
                    "VALUES ('s1', '2025-01-01 12:00:05+00:00', 'fear', 0.5, '{}')"
                )
            )
        assert [r.frames for r in store.query_observations()] == [1, 1, 1]
    finally:
        store.close()
