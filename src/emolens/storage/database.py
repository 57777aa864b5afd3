"""The one place where SQLAlchemy's errors become :class:`DatabaseError` with what failed and what to do."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from emolens.errors import DatabaseError

__all__ = ["Database", "advice_for"]

_ADVICE = (
    (("readonly", "read-only", "permission denied"), "make the database file and its folder writable"),
    (("locked", "lock timeout", "deadlock"), "another program holds the database: close it or try again"),
    (
        ("no such table", "does not exist", "undefinedtable", "no such column"),
        "the schema is damaged or not emolens': restore a backup or point --db / EMOLENS_DB at another database",
    ),
    (("unique", "duplicate key"), "the record was written by someone else at the same moment: try again"),
    (("disk", "no space"), "free disk space, or check the disk for errors"),
    (("connect", "connection", "server closed", "timeout"), "check that the database server is running and reachable"),
)


def advice_for(reason: str) -> str:
    """What the user can do about a database error whose message is ``reason``."""
    lowered = reason.lower()
    for words, advice in _ADVICE:
        if any(word in lowered for word in words):
            return advice
    return "check that the database is reachable and writable (--db or EMOLENS_DB)"


class Database:
    """Sessions on one engine whose SQLAlchemy errors arrive as DatabaseError naming the action and the database."""

    def __init__(self, sessions: sessionmaker[Session], where: str):
        self._sessions, self.where = sessions, where

    @contextmanager
    def read(self, action: str) -> Iterator[Session]:
        """A session for reading; ``action`` completes "could not ..." in the error message."""
        with self.errors(action), self._sessions() as db:
            yield db

    @contextmanager
    def write(self, action: str) -> Iterator[Session]:
        """A transaction, committed on leaving (rolled back on any error)."""
        with self.errors(action), self._sessions.begin() as db:
            yield db

    @contextmanager
    def errors(self, action: str) -> Iterator[None]:
        """Turn SQLAlchemy errors raised inside into DatabaseError; every other error passes unchanged."""
        try:
            yield
        except SQLAlchemyError as exc:
            reason = " ".join(str(getattr(exc, "orig", None) or exc).split())[:300]
            message = f"could not {action} in {self.where}: {reason}; {advice_for(reason)}"
            raise DatabaseError(message, public=f"could not {action}: {advice_for(reason)}") from exc
