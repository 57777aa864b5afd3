"""People in the store: enrolment, several photos, listing, removal with their observations."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import text

from emolens.errors import InvalidNameError, PersonNotFoundError, StorageError
from emolens.storage import EnrolledFace, ObservationFilter, ObservationIn, Store


def _face(seed: int, photo: str = "") -> EnrolledFace:
    vector = np.random.default_rng(seed).normal(size=128).astype(np.float32)
    return EnrolledFace(vector, "dlib-resnet-v1", photo or f"{seed:064x}")


def _observe(store: Store, *people: str | None) -> str:
    session = store.create_session("Online Class", "webcam")
    stamp = datetime.now(UTC)
    store.add_observations(session.id, [ObservationIn(stamp, "happy", 0.9, {"happy": 0.9}, 1, p) for p in people])
    return session.id


def test_enrol_with_several_photos_and_read_embeddings_back(store: Store) -> None:
    record = store.people.add("Ada Lovelace", [_face(1), _face(2)])
    assert (record.name, record.embedding_count, record.observation_count) == ("Ada Lovelace", 2, 0)
    again = store.people.add("Ada Lovelace", [_face(2), _face(3)])  # photo 2 is already enrolled
    assert again.id == record.id and again.embedding_count == 3
    pairs = store.people.embeddings("dlib-resnet-v1")
    assert [n for n, _ in pairs] == ["Ada Lovelace"] * 3
    assert np.array_equal(pairs[0][1], _face(1).vector) and pairs[0][1].dtype == np.float32
    assert store.people.embeddings("another-model") == []


def test_list_counts_embeddings_and_observations(store: Store) -> None:
    store.people.add("Grace", [_face(1)])
    store.people.add("Ada", [_face(2), _face(3)])
    _observe(store, "Grace", "Grace", None)
    listed = [(p.name, p.embedding_count, p.observation_count) for p in store.people.list()]
    assert listed == [("Ada", 2, 0), ("Grace", 1, 2)]
    assert store.people.get("Grace").to_dict()["observation_count"] == 2


def test_remove_deletes_the_person_their_embeddings_and_only_their_observations(store: Store) -> None:
    store.people.add("Grace", [_face(1)])
    store.people.add("Ada", [_face(2)])
    session = _observe(store, "Grace", "Ada", None, "Grace")
    removed = store.people.remove("Grace")
    assert (removed.embedding_count, removed.observation_count) == (1, 2)
    assert [p.name for p in store.people.list()] == ["Ada"]
    assert [n for n, _ in store.people.embeddings("dlib-resnet-v1")] == ["Ada"]
    left = store.query_observations(ObservationFilter(session_id=session))
    assert sorted(str(o.person) for o in left) == ["Ada", "None"]
    with pytest.raises(PersonNotFoundError, match="nobody named 'Grace'"):
        store.people.remove("Grace")


BAD_NAMES = ["", "   ", "unknown", "NULL", "x" * 121, "bell\x07name", "a/b", "a\\b", ".", "..", " ... ", "rtl\u202eoff"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_bad_names_are_refused(store: Store, name: str) -> None:
    with pytest.raises(InvalidNameError, match="name"):
        store.people.add(name, [_face(1)])
    assert store.people.list() == []


@pytest.mark.parametrize("name", ["O'Brien", "José #2", "Anna  Maria", "a.b", "...x", "مهر\u200cناز", "李小龙"])
def test_unusual_names_are_kept_and_found_by_id(store: Store, name: str) -> None:
    record = store.people.add(name, [_face(1)])
    assert record.name == " ".join(name.split()) and store.people.get(record.id) == record
    assert store.people.remove(record.id).name == record.name and store.people.list() == []


@pytest.mark.parametrize("person_id", [0, -1, 2**31, 2**63, 2**70, 99])
def test_ids_nobody_has_are_not_found(store: Store, person_id: int) -> None:
    store.people.add("Ada", [_face(1)])
    with pytest.raises(PersonNotFoundError, match=f"id {person_id}"):
        store.people.remove(person_id)
    assert [p.name for p in store.people.list()] == ["Ada"]


def test_removed_names_and_embeddings_leave_no_bytes_in_the_sqlite_files(tmp_path: Path) -> None:
    db = tmp_path / "emolens.db"
    store = Store(f"sqlite:///{db}")
    kept, gone = _face(1), _face(2)
    store.people.add("Ada Kept", [kept])
    store.people.add("Zebulon Quixote-Vantablack", [gone])
    session = _observe(store, "Zebulon Quixote-Vantablack", "Ada Kept")
    store.purge_deleted()  # a checkpoint: the name now lies in the main file too, not only in the WAL
    store.delete_session(_observe(store, "Zebulon Quixote-Vantablack"))
    store.people.remove("Zebulon Quixote-Vantablack")
    store.purge_deleted()
    files = b"".join(p.read_bytes() for p in (db, tmp_path / "emolens.db-wal") if p.exists())
    assert b"Vantablack" not in files and gone.vector.tobytes()[:64] not in files
    assert b"Ada Kept" in files and kept.vector.tobytes()[:64] in files  # what was kept is still there
    assert [o.person for o in store.query_observations(ObservationFilter(session_id=session))] == ["Ada Kept"]
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    store.close()


def test_purge_after_deleting_runs_on_every_backend(store: Store) -> None:
    store.people.add("Grace", [_face(1)])
    store.people.remove("Grace")
    store.delete_all()
    store.purge_deleted()
    assert store.people.list() == [] and store.list_sessions() == []
    if store.engine.dialect.name == "postgresql":  # VACUUM ran on every table that held what was deleted
        query = text("SELECT relname FROM pg_stat_user_tables WHERE last_vacuum IS NOT NULL")
        for _ in range(50):  # statistics reach the view within a second or so
            with store.engine.connect() as connection:
                vacuumed = set(connection.execute(query).scalars())
            if {"people", "embeddings", "observations", "sessions"} <= vacuumed:
                break
            time.sleep(0.1)
        assert {"people", "embeddings", "observations", "sessions"} <= vacuumed


def test_names_are_unique_after_whitespace_cleanup(store: Store) -> None:
    store.people.add("Ada  Lovelace ", [_face(1)])
    store.people.add("Ada Lovelace", [_face(2)])
    assert [(p.name, p.embedding_count) for p in store.people.list()] == [("Ada Lovelace", 2)]


def test_invalid_embeddings_and_empty_enrolment_store_nothing(store: Store) -> None:
    with pytest.raises(StorageError, match="at least one photo"):
        store.people.add("Ada", [])
    bad = EnrolledFace(np.array([np.nan] * 128, np.float32), "dlib-resnet-v1", "f" * 64)
    with pytest.raises(StorageError, match="finite"):
        store.people.add("Ada", [bad])
    assert store.people.list() == []
