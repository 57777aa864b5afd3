"""Deleting what the user asked for: the records, the face crops filed under them, and the freed bytes."""

from __future__ import annotations

from pathlib import Path

from emolens.storage import PersonRecord, Store
from emolens.storage.facefiles import remove_all_crops, remove_person_crops, remove_session_crops

__all__ = ["apply_retention", "delete_everything", "delete_session", "remove_person"]


def delete_session(store: Store, data_folder: Path, session_id: str) -> None:
    """Delete a session, its observations and its face crops; SessionNotFoundError when absent."""
    store.delete_session(session_id)
    remove_session_crops(data_folder, [session_id])
    store.purge_deleted()


def delete_everything(store: Store, data_folder: Path) -> int:
    """Delete every session, observation, drift event and face crop (people and settings stay); the session count."""
    deleted = store.delete_all()
    remove_all_crops(data_folder)
    store.purge_deleted()
    return deleted


def remove_person(store: Store, data_folder: Path, person_id: int) -> PersonRecord:
    """Remove a person, their embeddings, the observations and the face crops naming them."""
    record = store.people.remove(person_id)
    remove_person_crops(data_folder, record.name)
    store.purge_deleted()
    return record


def apply_retention(store: Store, data_folder: Path, keep_latest: int | None) -> list[str]:
    """Keep the ``keep_latest`` newest sessions (and their crops); returns the ids deleted."""
    doomed = store.apply_retention(keep_latest)
    if doomed:
        remove_session_crops(data_folder, doomed)
        store.purge_deleted()
    return doomed
