"""Keyset pages of history, exports streamed from a cursor, and migration 0006's indexes on a database with rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, text

from emolens.errors import StorageError
from emolens.storage import ObservationFilter, ObservationIn, PageKey, Store

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
MIGRATIONS = Path(__file__).resolve().parents[2] / "src" / "emolens" / "storage" / "migrations"


def _seed(store: Store) -> tuple[str, str]:
    """Two sessions; the first has three faces at one same moment, so pages must break ties by id."""
    a, b = store.create_session("Interview", "webcam").id, store.create_session("Exam", "video").id
    same = [ObservationIn(T0, "happy", 0.9, {"happy": 0.9}, track_id=t) for t in range(3)]
    later = [ObservationIn(T0 + timedelta(seconds=s), "sad", 0.6, {"sad": 0.6}, person="Ada") for s in range(1, 8)]
    store.add_observations(a, same + later)
    store.add_observations(b, [ObservationIn(T0 + timedelta(seconds=s / 2), "fear", 0.5) for s in range(5)])
    return a, b


def _all_pages(store: Store, f: ObservationFilter, size: int, newest_first: bool) -> list[list[int]]:
    pages, key = [], None
    while True:
        records, key = store.page_observations(f, key, size, newest_first)
        pages.append([r.id for r in records])
        if key is None:
            return pages


@pytest.mark.parametrize("newest_first", [True, False])
def test_keyset_pages_cover_every_row_once_in_order(store: Store, newest_first: bool) -> None:
    a, _ = _seed(store)
    for f in (ObservationFilter(), ObservationFilter(session_id=a), ObservationFilter(person="Ada")):
        everything = [r.id for r in store.query_observations(f)]
        expected = everything[::-1] if newest_first else everything
        pages = _all_pages(store, f, 4, newest_first)
        assert [i for page in pages for i in page] == expected
        assert all(len(p) == 4 for p in pages[:-1]) and 1 <= len(pages[-1]) <= 4


def test_a_page_after_the_last_row_is_empty(store: Store) -> None:
    _seed(store)
    records, key = store.page_observations(ObservationFilter(), PageKey(T0 - timedelta(days=1), 1), 10)
    assert (records, key) == ([], None)
    with pytest.raises(StorageError, match="at least 1"):
        store.page_observations(ObservationFilter(), None, 0)


def test_streamed_export_equals_the_query(store: Store) -> None:
    a, _ = _seed(store)
    for f in (ObservationFilter(), ObservationFilter(source="webcam", person="Ada"), ObservationFilter(limit=3)):
        assert list(store.stream_observations(f)) == store.query_observations(f)
    assert len(list(store.stream_observations(ObservationFilter(session_id=a, offset=8)))) == 2


def _upgrade(url: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    engine = create_engine(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    engine.dispose()


def test_migration_0006_indexes_a_database_that_has_rows(db_url: str) -> None:
    _upgrade(db_url, "0003")
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO sessions (id, scenario, source, started_at) VALUES ('s1', 'Exam', 'webcam', :t)"),
            {"t": T0},
        )
        for second in range(3):
            conn.execute(
                text(
                    "INSERT INTO observations (session_id, timestamp, emotion, confidence, probabilities)"
                    " VALUES ('s1', :t, 'happy', 0.9, '{\"happy\": 0.9}')"
                ),
                {"t": T0 + timedelta(seconds=second)},
            )
    engine.dispose()
    store = Store(db_url)  # migrates to the head
    try:
        indexes = {i["name"]: i["column_names"] for i in inspect(store.engine).get_indexes("observations")}
        assert indexes["ix_observations_session_person_emotion_time"] == [
            "session_id",
            "person",
            "emotion",
            "timestamp",
            "frames",
        ]
        assert indexes["ix_observations_emotion_time_session_person"] == [
            "emotion",
            "timestamp",
            "session_id",
            "person",
            "frames",
        ]
        assert indexes["ix_observations_time_id"] == ["timestamp", "id"]
        assert indexes["ix_observations_session_time"] == ["session_id", "timestamp"]
        assert [r.timestamp for r in store.query_observations()] == [T0 + timedelta(seconds=s) for s in range(3)]
        assert store.counts.span(ObservationFilter()) == (T0, T0 + timedelta(seconds=2))
        assert [(g.emotion, g.count) for g in store.counts.by_group(ObservationFilter())] == [("happy", 3)]
    finally:
        store.close()
