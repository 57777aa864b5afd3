"""Revisions: a counter per shared thing (the enrolled people), bumped in the same transaction as each change,
so every server and viewer on the database can tell cheaply when to reload its own copy."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import CursorResult, insert, select, update
from sqlalchemy.orm import Session

from emolens.storage.database import Database
from emolens.storage.tables import RevisionRow

__all__ = ["PEOPLE", "RevisionRepository", "RevisionWatch", "bump_revision"]

log = logging.getLogger(__name__)
PEOPLE = "people"  # enrolment and removal: every process's recognition gallery follows it


def bump_revision(db: Session, name: str) -> None:
    """Count one change of ``name`` inside the caller's transaction (atomic: concurrent bumps all count)."""
    statement = update(RevisionRow).where(RevisionRow.name == name).values(value=RevisionRow.value + 1)
    if cast(CursorResult[Any], db.execute(statement)).rowcount == 0:  # an UPDATE gives a CursorResult
        db.execute(insert(RevisionRow).values(name=name, value=1))


class RevisionRepository:
    """The revisions table (reached as ``store.revisions``)."""

    def __init__(self, db: Database):
        self._db = db

    def current(self, name: str) -> int:
        """How many changes of ``name`` were committed so far (0 before the first)."""
        with self._db.read(f"read the {name} revision") as db:
            return db.scalar(select(RevisionRow.value).where(RevisionRow.name == name)) or 0


class RevisionWatch:
    """Runs ``reload`` when the revision ``name`` moved since the last look: someone changed what it guards.

    The revision is read before ``reload`` reads the data, so a change committed in between is never missed
    (it only causes one more reload). A reload that fails is tried again on the next ``check``.
    """

    def __init__(self, revisions: RevisionRepository, name: str, reload: Callable[[], None]):
        self.revisions, self.name, self.reload = revisions, name, reload
        self.seen = revisions.current(name)

    def check(self) -> bool:
        """Reload when the revision moved; True when it did."""
        now = self.revisions.current(self.name)
        if now == self.seen:
            return False
        log.info("%s changed elsewhere (revision %d -> %d): reloading", self.name, self.seen, now)
        self.reload()
        self.seen = now
        return True
