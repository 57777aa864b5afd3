"""Owners of sessions: every running server or viewer registers, beats every few seconds and ends the
sessions of owners that stopped beating (kill -9, a power cut) at their last observation."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from emolens.errors import StorageError
from emolens.storage.database import Database
from emolens.storage.revisions import RevisionWatch
from emolens.storage.tables import ObservationRow, OwnerRow, SessionRow

if TYPE_CHECKING:
    from emolens.storage.store import Store

__all__ = ["DEFAULT_HEARTBEAT_S", "MISSED_BEATS", "Heartbeat", "OwnerRepository"]

log = logging.getLogger(__name__)
OWNER_KINDS = ("server", "viewer")
DEFAULT_HEARTBEAT_S = 5.0
MISSED_BEATS = 6  # an owner silent for this many beats is gone: 30 s at the default beat
LEGACY_IDLE = timedelta(hours=6)  # sessions from before owners existed: ended after this long without activity


class OwnerRepository:
    """The owners table, and ending the open sessions of owners that are gone."""

    def __init__(self, db: Database):
        self._db = db

    def register(self, kind: str, timeout_s: float) -> str:
        """A new owner of ``kind`` (server or viewer) on this host and process; its id."""
        if kind not in OWNER_KINDS:
            raise StorageError(f"unknown owner kind {kind!r}; expected one of {', '.join(OWNER_KINDS)}")
        now = datetime.now(UTC)
        row = OwnerRow(
            id=str(uuid.uuid4()),
            kind=kind,
            host=socket.gethostname()[:255],
            pid=os.getpid(),
            started_at=now,
            heartbeat_at=now,
            timeout_s=timeout_s,
        )
        with self._db.write(f"register this {kind}") as db:
            db.add(row)
        return row.id

    def beat(self, owner_id: str, kind: str, timeout_s: float) -> None:
        """Record that the owner is alive; an owner whose row was reaped (it slept too long) is written again."""
        now = datetime.now(UTC)
        with self._db.write("record a heartbeat") as db:
            row = db.get(OwnerRow, owner_id)
            if row is not None:
                row.heartbeat_at = now
                return
            log.warning("owner %s had been taken for gone; registering it again", owner_id)
            host, pid = socket.gethostname()[:255], os.getpid()
            db.add(
                OwnerRow(
                    id=owner_id, kind=kind, host=host, pid=pid, started_at=now, heartbeat_at=now, timeout_s=timeout_s
                )
            )

    def release(self, owner_id: str) -> None:
        """Remove the owner (a clean exit); sessions it left open become orphans for the next reaper."""
        with self._db.write("release this owner") as db:
            db.execute(delete(OwnerRow).where(OwnerRow.id == owner_id))

    def end_orphans(self, legacy_idle: timedelta = LEGACY_IDLE) -> list[str]:
        """End the open sessions whose owner is gone; returns their ids. See Store.end_orphaned_sessions."""
        now = datetime.now(UTC)
        closed: list[str] = []
        with self._db.write("end sessions of stopped servers and viewers") as db:
            alive = self._alive_owners(db, now)
            for row in db.scalars(select(SessionRow).where(SessionRow.ended_at.is_(None))).all():
                if row.owner_id in alive:
                    continue
                last = self._last_observation(db, row.id)
                legacy = row.owner_id is None
                if legacy and (last or row.started_at) > now - legacy_idle:
                    continue
                still_open = (SessionRow.id == row.id) & SessionRow.ended_at.is_(None)
                if last is None:  # an empty session never counts: it goes rather than ends
                    db.execute(delete(SessionRow).where(still_open))
                else:
                    db.execute(update(SessionRow).where(still_open).values(ended_at=last))
                closed.append(row.id)
        if closed:
            log.info("ended %d session(s) whose server or viewer stopped", len(closed))
        return closed

    @staticmethod
    def _alive_owners(db: Session, now: datetime) -> set[str]:
        """Owners that beat within their timeout; the others' rows are removed."""
        alive, gone = set(), []
        for owner in db.scalars(select(OwnerRow)).all():
            if now - owner.heartbeat_at <= timedelta(seconds=owner.timeout_s):
                alive.add(owner.id)
            else:
                gone.append(owner.id)
        if gone:
            db.execute(delete(OwnerRow).where(OwnerRow.id.in_(gone)))
        return alive

    @staticmethod
    def _last_observation(db: Session, session_id: str) -> datetime | None:
        """The time of the session's last observation (SQLite hands MAX() back as text, without a zone)."""
        last = db.scalar(select(func.max(ObservationRow.timestamp)).where(ObservationRow.session_id == session_id))
        if last is None:
            return None
        stamp = datetime.fromisoformat(last) if isinstance(last, str) else last
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


class Heartbeat:
    """Registers this process as the owner of the sessions ``store`` creates and beats from a daemon thread.

    Each beat also ends the sessions of owners that stopped beating, so a killed server's or viewer's
    session is ended within ``MISSED_BEATS`` beats by any other one running on the same database, and checks
    ``watches``: what another process changed (say, the enrolled people) is reloaded within one beat.
    """

    def __init__(
        self, store: Store, kind: str, interval_s: float = DEFAULT_HEARTBEAT_S, watches: Sequence[RevisionWatch] = ()
    ):
        self.store, self.kind, self.interval_s, self.watches = store, kind, interval_s, tuple(watches)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"emolens-heartbeat-{kind}", daemon=True)

    def start(self) -> Heartbeat:
        """Register, end what earlier owners left open, and start beating."""
        self.store.register_owner(self.kind, self.interval_s * MISSED_BEATS)
        self.store.end_orphaned_sessions()
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.beat()

    def beat(self) -> None:
        """One heartbeat, one pass of the reaper and of the watches; a failure is logged and the next beat tries
        again."""
        try:
            self.store.heartbeat()
            self.store.end_orphaned_sessions()
        except StorageError as exc:
            log.warning("heartbeat failed (%s); trying again in %g s", exc, self.interval_s)
        for watch in self.watches:
            try:
                watch.check()
            except Exception:  # a failed reload must never stop the beats: others would end this owner's sessions
                log.exception("reloading %s failed; trying again in %g s", watch.name, self.interval_s)

    def stop(self) -> None:
        """Stop beating and remove this owner (what it left open is ended by the next reaper)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.interval_s + 10)
        try:
            self.store.release_owner()
        except StorageError as exc:
            log.warning("could not remove this %s from the owners (%s)", self.kind, exc)
