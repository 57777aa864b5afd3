"""Drift events: the alarms of the rolling monitors, stored with the tests behind them.

An event names the session whose faces completed the window that alarmed; it is deleted with that session
(the foreign key cascades), so deleting a session, `DELETE /api/data` and retention leave none of its events.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select

from emolens.errors import StorageError
from emolens.storage.database import Database
from emolens.storage.tables import DriftEventRow, SessionRow

__all__ = ["DRIFT_SOURCES", "DRIFT_VERDICTS", "DriftEventIn", "DriftEventRecord", "DriftEventRepository"]

log = logging.getLogger(__name__)
DRIFT_SOURCES = ("live", "kiosk", "desktop")
DRIFT_VERDICTS = ("warn", "drift")


@dataclass(frozen=True)
class DriftEventIn:
    """An alarm to store: ``features`` lists the tests that alarmed (feature, test, statistic, effect, threshold,
    level...), ``details`` anything else worth keeping (faces in the window, the previous verdict...)."""

    at: datetime
    source: str
    verdict: str
    features: list[dict[str, Any]]
    details: dict[str, Any] = field(default_factory=dict)
    session_id: str | None = None


@dataclass(frozen=True)
class DriftEventRecord:
    """A stored alarm, as ``DriftEventIn`` with its id."""

    id: int
    at: datetime
    session_id: str | None
    source: str
    verdict: str
    features: list[dict[str, Any]]
    details: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["at"] = self.at.isoformat()
        return out


def _record(row: DriftEventRow) -> DriftEventRecord:
    return DriftEventRecord(
        row.id, row.at, row.session_id, row.source, row.verdict, list(row.features), dict(row.details)
    )


def _check(event: DriftEventIn) -> None:
    if event.source not in DRIFT_SOURCES:
        raise StorageError(f"unknown drift source {event.source!r}; expected one of {', '.join(DRIFT_SOURCES)}")
    if event.verdict not in DRIFT_VERDICTS:
        raise StorageError(f"a drift event's verdict is one of {', '.join(DRIFT_VERDICTS)}, got {event.verdict!r}")
    if event.at.tzinfo is None:
        raise StorageError(f"drift event times must be timezone-aware (UTC), got naive {event.at.isoformat()}")


class DriftEventRepository:
    """Add, list and delete drift events (``Store.drift_events``)."""

    def __init__(self, db: Database):
        self._db = db

    def add(self, event: DriftEventIn) -> DriftEventRecord | None:
        """Store an event; None (nothing stored) when its session was deleted meanwhile."""
        _check(event)
        row = DriftEventRow(
            at=event.at,
            session_id=event.session_id,
            source=event.source,
            verdict=event.verdict,
            features=event.features,
            details=event.details,
        )
        with self._db.write("store a drift event") as db:
            if event.session_id is not None and db.get(SessionRow, event.session_id) is None:
                log.info("drift event of deleted session %s not stored", event.session_id)
                return None
            db.add(row)
        return _record(row)

    def list(
        self, limit: int | None = 100, since: datetime | None = None, session_id: str | None = None
    ) -> list[DriftEventRecord]:
        """Events, newest first; only those at or after ``since`` and of ``session_id`` when given."""
        query = select(DriftEventRow).order_by(DriftEventRow.at.desc(), DriftEventRow.id.desc()).limit(limit)
        if since is not None:
            query = query.where(DriftEventRow.at >= since)
        if session_id is not None:
            query = query.where(DriftEventRow.session_id == session_id)
        with self._db.read("read drift events") as db:
            return [_record(row) for row in db.scalars(query)]

    def delete_all(self) -> int:
        """Delete every event (those of no session too); returns how many went."""
        with self._db.write("delete every drift event") as db:
            deleted = cast(CursorResult[Any], db.execute(delete(DriftEventRow)))
            return deleted.rowcount or 0
