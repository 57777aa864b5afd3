"""People: enrolled names and their face embeddings; removing a person removes their observations too."""

from __future__ import annotations

import builtins
import logging
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from emolens.errors import InvalidNameError, PersonNotFoundError, StorageError
from emolens.storage.database import Database
from emolens.storage.revisions import PEOPLE, bump_revision
from emolens.storage.tables import EmbeddingRow, ObservationRow, PersonRow

__all__ = ["EnrolledFace", "PeopleRepository", "PersonRecord", "check_person_name"]

log = logging.getLogger(__name__)
_MAX_ID = 2**31 - 1  # people.id is a 32-bit INTEGER on PostgreSQL
# Observations of faces nobody is enrolled as carry person None; a person named so would be ambiguous.
_RESERVED = {"unknown", "none", "null"}
_SEPARATORS = ("/", "\\")
# Control, format (bidi overrides, zero-width), surrogate, private-use and unassigned code points, except the
# zero-width (non-)joiners that some scripts need inside names.
_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn"}
_JOINERS = {"\u200c", "\u200d"}


def check_person_name(name: str) -> str:
    """The name with its spaces collapsed; InvalidNameError when it cannot be stored or addressed safely.

    Refused: empty or over 120 characters, reserved words ('unknown', 'none', 'null'), slashes and
    backslashes, names made only of dots, and invisible or control characters.
    """
    clean = " ".join(name.split())
    if not clean or len(clean) > 120:
        raise InvalidNameError(f"a person's name needs 1 to 120 characters, got {name!r}")
    if clean.lower() in _RESERVED:
        raise InvalidNameError(f"{clean!r} is reserved for faces nobody is enrolled as: choose another name")
    if any(s in clean for s in _SEPARATORS) or not clean.strip("."):
        raise InvalidNameError(f"{name!r} cannot name a person: use no slashes or backslashes, and not only dots")
    if any(unicodedata.category(c) in _INVISIBLE and c not in _JOINERS for c in clean):
        raise InvalidNameError(f"{name!r} cannot name a person: it holds control or invisible characters")
    return clean


@dataclass(frozen=True)
class EnrolledFace:
    """One embedding to store for a person: the vector, the model that made it and the photo's SHA-256."""

    vector: np.ndarray
    model: str
    photo_sha256: str


@dataclass(frozen=True)
class PersonRecord:
    """An enrolled person: name, enrolment time (UTC), how many embeddings and observations they have."""

    id: int
    name: str
    created_at: datetime
    embedding_count: int = 0
    observation_count: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "created_at": self.created_at.isoformat(),
            "embedding_count": self.embedding_count,
            "observation_count": self.observation_count,
        }


class PeopleRepository:
    """People and their embeddings in the store's database (reached as ``store.people``)."""

    def __init__(self, db: Database):
        self._db = db

    def _person(self, db: Session, who: str | int) -> PersonRow:
        if isinstance(who, int):
            row = db.get(PersonRow, who) if 1 <= who <= _MAX_ID else None
            if row is None:
                raise PersonNotFoundError(
                    f"nobody is enrolled with id {who}; the People page or GET /api/people lists who is"
                )
            return row
        row = db.scalar(select(PersonRow).where(PersonRow.name == who))
        if row is None:
            raise PersonNotFoundError(f"nobody named {who!r} is enrolled; `emolens people list` shows who is")
        return row

    def _record(self, db: Session, row: PersonRow) -> PersonRecord:
        embeddings = db.scalar(select(func.count()).where(EmbeddingRow.person_id == row.id)) or 0
        observations = db.scalar(select(func.count()).where(ObservationRow.person == row.name)) or 0
        return PersonRecord(row.id, row.name, row.created_at, embeddings, observations)

    def add(self, name: str, faces: Iterable[EnrolledFace]) -> PersonRecord:
        """Enrol ``name`` (created when new) with more face embeddings; a photo already enrolled is skipped."""
        name, faces = check_person_name(name), list(faces)
        if not faces:
            raise StorageError(f"enrolling {name!r} needs at least one photo with a face")
        with self._db.write(f"enrol {name!r}") as db:
            row = db.scalar(select(PersonRow).where(PersonRow.name == name))
            if row is None:
                row = PersonRow(name=name, created_at=datetime.now(UTC))
                db.add(row)
                db.flush()
            known = set(db.scalars(select(EmbeddingRow.photo_sha256).where(EmbeddingRow.person_id == row.id)))
            for face in faces:
                if face.photo_sha256 in known:
                    log.info("%s: photo %s is already enrolled, skipped", name, face.photo_sha256[:12])
                    continue
                known.add(face.photo_sha256)
                db.add(_embedding_row(row.id, face))
            bump_revision(db, PEOPLE)
            return self._record(db, row)

    def list(self) -> list[PersonRecord]:
        """Every enrolled person, by name."""
        with self._db.read("list people") as db:
            return [self._record(db, row) for row in db.scalars(select(PersonRow).order_by(PersonRow.name))]

    def get(self, who: str | int) -> PersonRecord:
        """One person by name (str) or id (int); PersonNotFoundError when nobody matches."""
        with self._db.read(f"read person {who!r}") as db:
            return self._record(db, self._person(db, who))

    def remove(self, who: str | int) -> PersonRecord:
        """Delete a person (by name or id), their embeddings and every observation naming them; returns them.

        The freed bytes stay in the database files until ``Store.purge_deleted`` runs.
        """
        with self._db.write(f"remove person {who!r}") as db:
            row = self._person(db, who)
            record = self._record(db, row)
            db.execute(delete(ObservationRow).where(ObservationRow.person == row.name))
            db.execute(delete(EmbeddingRow).where(EmbeddingRow.person_id == row.id))
            db.delete(row)
            bump_revision(db, PEOPLE)
        log.info("removed %s with %d observation(s)", record.name, record.observation_count)
        return record

    def embeddings(self, model: str) -> builtins.list[tuple[str, np.ndarray]]:
        """(name, vector) of every embedding made by ``model``, for a recognition gallery."""
        query = (
            select(PersonRow.name, EmbeddingRow.vector)
            .join(EmbeddingRow, EmbeddingRow.person_id == PersonRow.id)
            .where(EmbeddingRow.model == model)
            .order_by(PersonRow.name, EmbeddingRow.id)
        )
        with self._db.read("read face embeddings") as db:
            return [(name, np.frombuffer(blob, np.float32).copy()) for name, blob in db.execute(query)]


def _embedding_row(person_id: int, face: EnrolledFace) -> EmbeddingRow:
    vector = np.asarray(face.vector, np.float32).ravel()
    if vector.size == 0 or not np.all(np.isfinite(vector)):
        raise StorageError(f"an embedding must be a non-empty finite vector, got shape {vector.shape}")
    return EmbeddingRow(
        person_id=person_id,
        model=face.model,
        vector=vector.tobytes(),
        photo_sha256=face.photo_sha256,
        created_at=datetime.now(UTC),
    )
