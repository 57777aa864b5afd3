"""Store: sessions, observations and settings in SQLite or PostgreSQL, migrated on open."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config
from sqlalchemy import CursorResult, Engine, Select, create_engine, delete, event, func, select, tuple_
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from emolens.errors import DatabaseError, SessionNotFoundError, StorageError
from emolens.storage.aggregates import ObservationCounts
from emolens.storage.database import Database
from emolens.storage.drift_events import DriftEventRepository
from emolens.storage.filters import observation_conditions
from emolens.storage.owners import DEFAULT_HEARTBEAT_S, LEGACY_IDLE, MISSED_BEATS, OwnerRepository
from emolens.storage.people import PeopleRepository
from emolens.storage.records import (
    SOURCES,
    ObservationFilter,
    ObservationIn,
    ObservationRecord,
    PageKey,
    SessionRecord,
)
from emolens.storage.revisions import RevisionRepository
from emolens.storage.tables import DriftEventRow, ObservationRow, SessionRow, SettingRow

__all__ = ["Store"]

log = logging.getLogger(__name__)
_MIGRATIONS = Path(__file__).with_name("migrations")
_PURGED_TABLES = ("observations", "sessions", "embeddings", "people", "drift_events")
_STREAM_BATCH = 2000  # rows an export holds in memory at once: larger batches go faster and weigh more


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA secure_delete=ON")  # deleted rows (names, embeddings) are zeroed, not left in free pages
    cursor.close()


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _session_record(row: SessionRow, count: int = 0) -> SessionRecord:
    return SessionRecord(row.id, row.scenario, row.source, row.started_at, row.ended_at, count)


def _observation_record(row: ObservationRow, source: str, scenario: str) -> ObservationRecord:
    bbox = tuple(row.bbox) if row.bbox else None
    return ObservationRecord(
        id=row.id,
        session_id=row.session_id,
        source=source,
        scenario=scenario,
        timestamp=row.timestamp,
        emotion=row.emotion,
        confidence=row.confidence,
        probabilities=dict(row.probabilities),
        track_id=row.track_id,
        person=row.person,
        bbox=bbox,  # type: ignore[arg-type]
        frames=row.frames,
    )


def _distinct_people() -> Select[str]:
    """The people in the observations, by name: each found by one index step after the one before it (a
    "loose index scan"), so that listing three names costs three steps, not a read of every observation."""
    person = ObservationRow.person
    found = select(func.min(person).label("name")).cte("people", recursive=True)
    after = select(func.min(person)).where(person > found.c.name).scalar_subquery()
    found = found.union_all(select(after).where(found.c.name.is_not(None)))
    return select(found.c.name).where(found.c.name.is_not(None)).order_by(found.c.name)


class Store:
    """The one storage layer: ``Store(resolve_db_url(None))`` opens (and migrates) the default database."""

    def __init__(self, url: str, migrate: bool = True):
        self.url = url
        try:
            self.engine = _make_engine(url)
            if migrate:
                self._migrate()
        except SQLAlchemyError as exc:
            raise DatabaseError(f"cannot open the database {self.safe_url}: {exc}; check --db or EMOLENS_DB") from exc
        self._db = Database(sessionmaker(self.engine, expire_on_commit=False), self.safe_url)
        self.people = PeopleRepository(self._db)
        self.owners = OwnerRepository(self._db)
        self.drift_events = DriftEventRepository(self._db)
        self.revisions = RevisionRepository(self._db)
        self.counts = ObservationCounts(self._db)
        self.owner_id: str | None = None
        self._owner = ("server", DEFAULT_HEARTBEAT_S * MISSED_BEATS)

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden, for messages and logs."""
        return self.engine.url.render_as_string(hide_password=True) if hasattr(self, "engine") else self.url

    def _migrate(self) -> None:
        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        log.debug("database %s is at the latest schema", self.safe_url)

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    def purge_deleted(self) -> None:
        """Leave no deleted record's bytes in the database files; call it after deleting people or sessions.

        SQLite (secure_delete on) checkpoints the WAL into the main file and truncates it; PostgreSQL runs
        VACUUM on the tables. A failure (a busy reader, a role that may not VACUUM) is logged, not raised.
        """
        try:
            if self.engine.dialect.name == "sqlite":
                with self.engine.connect() as connection:
                    busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").scalar()
                if busy:
                    log.warning(
                        "the WAL checkpoint of %s was blocked by a reader; the next one completes it", self.safe_url
                    )
                return
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                for table in _PURGED_TABLES:
                    connection.exec_driver_sql(f"VACUUM {table}")
        except SQLAlchemyError as exc:
            log.warning("could not purge deleted records from %s: %s", self.safe_url, " ".join(str(exc).split())[:200])

    # sessions ---------------------------------------------------------------------------------------------

    def create_session(self, scenario: str, source: str, started_at: datetime | None = None) -> SessionRecord:
        """A new session with a fresh UUID, owned by this store's owner; ``source``: webcam, upload, video, desktop."""
        if source not in SOURCES:
            raise StorageError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
        scenario = scenario.strip()
        if not scenario or len(scenario) > 80:
            raise StorageError(f"a scenario needs 1 to 80 characters, got {scenario!r}")
        started = started_at or datetime.now(UTC)
        row = SessionRow(
            id=str(uuid.uuid4()), scenario=scenario, source=source, started_at=started, owner_id=self.owner_id
        )
        with self._db.write("create a session") as db:
            db.add(row)
        return _session_record(row)

    def _row(self, db: Session, session_id: str) -> SessionRow:
        row = db.get(SessionRow, session_id)
        if row is None:
            raise SessionNotFoundError(f"no session {session_id!r}: it never existed or was deleted")
        return row

    def end_session(self, session_id: str, ended_at: datetime | None = None) -> SessionRecord:
        """Mark a session ended (now by default); ending an ended session keeps its first end time.

        A session that ends without an observation is deleted (it would only crowd real ones out of
        retention); its final record, with count 0, is still returned.
        """
        with self._db.write(f"end session {session_id}") as db:
            row = self._row(db, session_id)
            if row.ended_at is None:
                row.ended_at = ended_at or datetime.now(UTC)
            count = self._count(db, session_id)
            if count == 0:
                db.delete(row)
        return _session_record(row, count)

    def _count(self, db: Session, session_id: str) -> int:
        faces = select(func.sum(ObservationRow.frames)).where(ObservationRow.session_id == session_id)
        return db.scalar(faces) or 0

    def get_session(self, session_id: str) -> SessionRecord:
        """One session with its observation count; SessionNotFoundError when absent."""
        with self._db.read(f"read session {session_id}") as db:
            return _session_record(self._row(db, session_id), self._count(db, session_id))

    def list_sessions(self, source: str | None = None, limit: int | None = None) -> list[SessionRecord]:
        """Sessions, newest first, each with its observation count."""
        counts = (
            select(ObservationRow.session_id, func.sum(ObservationRow.frames).label("n"))
            .group_by(ObservationRow.session_id)
            .subquery()
        )
        query = select(SessionRow, func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.session_id == SessionRow.id)
        if source:
            query = query.where(SessionRow.source == source)
        query = query.order_by(SessionRow.started_at.desc(), SessionRow.id).limit(limit)
        with self._db.read("list sessions") as db:
            return [_session_record(row, n) for row, n in db.execute(query)]

    def delete_session(self, session_id: str) -> None:
        """Delete a session and all its observations; SessionNotFoundError when absent."""
        with self._db.write(f"delete session {session_id}") as db:
            row = self._row(db, session_id)
            db.execute(delete(ObservationRow).where(ObservationRow.session_id == session_id))
            db.delete(row)

    def delete_all(self) -> int:
        """Delete every session, observation and drift event (settings stay); returns how many sessions went."""
        with self._db.write("delete every session") as db:
            db.execute(delete(DriftEventRow))
            db.execute(delete(ObservationRow))
            # a DELETE statement gives a CursorResult; Session.execute is typed to return the base Result
            deleted = cast(CursorResult[Any], db.execute(delete(SessionRow)))
            return deleted.rowcount or 0

    def register_owner(self, kind: str, timeout_s: float = DEFAULT_HEARTBEAT_S * MISSED_BEATS) -> str:
        """Register this process (a "server" or "viewer") as the owner of the sessions this store creates.

        Other processes end those sessions when no heartbeat came for ``timeout_s``. Returns the owner id.
        """
        self.owner_id = self.owners.register(kind, timeout_s)
        self._owner = (kind, timeout_s)
        return self.owner_id

    def heartbeat(self) -> None:
        """Tell other servers and viewers that this owner is alive (call well within its timeout)."""
        if self.owner_id is None:
            raise StorageError("heartbeat before register_owner: register this process as an owner first")
        self.owners.beat(self.owner_id, *self._owner)

    def release_owner(self) -> None:
        """Remove this owner on a clean exit; sessions it left open are ended by the next reaper."""
        if self.owner_id is not None:
            self.owners.release(self.owner_id)
            self.owner_id = None

    def end_orphaned_sessions(self, legacy_idle: timedelta = LEGACY_IDLE) -> list[str]:
        """End open sessions whose owner stopped beating or is gone, at their last observation; their ids.

        Empty ones are deleted instead. Sessions from before owners existed (no owner) end once idle for
        ``legacy_idle``. Safe to run from every server and viewer at once, on SQLite and PostgreSQL.
        """
        return self.owners.end_orphans(legacy_idle)

    def _retention_doomed(self, db: Session, keep_latest: int) -> tuple[list[str], int]:
        """The ended sessions with observations beyond the ``keep_latest`` newest such, and their observations."""
        counts = (
            select(ObservationRow.session_id, func.sum(ObservationRow.frames).label("n"))
            .group_by(ObservationRow.session_id)
            .subquery()
        )
        query = (
            select(SessionRow.id, SessionRow.ended_at, counts.c.n)
            .join(counts, counts.c.session_id == SessionRow.id)
            .order_by(SessionRow.started_at.desc(), SessionRow.id)
        )
        rows = db.execute(query).all()[keep_latest:]
        doomed = [(i, n) for i, ended, n in rows if ended is not None]
        return [i for i, _ in doomed], sum(n for _, n in doomed)

    def retention_preview(self, keep_latest: int | None) -> tuple[int, int]:
        """How many sessions and observations ``apply_retention(keep_latest)`` would delete now."""
        if keep_latest is None:
            return 0, 0
        self._check_keep(keep_latest)
        with self._db.read("preview retention") as db:
            doomed, observations = self._retention_doomed(db, keep_latest)
        return len(doomed), observations

    @staticmethod
    def _check_keep(keep_latest: int) -> None:
        if keep_latest < 0:
            raise StorageError(f"keep_latest must be >= 0 or None, got {keep_latest}")

    def apply_retention(self, keep_latest: int | None) -> list[str]:
        """Keep only the ``keep_latest`` newest sessions with observations (None keeps all); the deleted ids.

        Sessions without observations never count; ended ones are deleted. A session not yet ended
        (a live run in the desktop viewer or the web app) is never deleted.
        """
        if keep_latest is None:
            return []
        self._check_keep(keep_latest)
        has_rows = select(ObservationRow.id).where(ObservationRow.session_id == SessionRow.id).exists()
        with self._db.write("apply retention") as db:
            doomed, _ = self._retention_doomed(db, keep_latest)
            empty = db.scalars(select(SessionRow.id).where(SessionRow.ended_at.is_not(None), ~has_rows)).all()
            doomed += empty
            if doomed:
                db.execute(delete(ObservationRow).where(ObservationRow.session_id.in_(doomed)))
                db.execute(delete(SessionRow).where(SessionRow.id.in_(doomed)))
        log.info("retention deleted %d session(s) (%d of them empty)", len(doomed), len(empty))
        return doomed

    # observations -----------------------------------------------------------------------------------------

    def add_observations(self, session_id: str, observations: Iterable[ObservationIn]) -> int:
        """Store observations of one session; returns how many were stored."""
        rows = [self._observation_row(session_id, o) for o in observations]
        with self._db.write(f"store observations of session {session_id}") as db:
            self._row(db, session_id)
            db.add_all(rows)
        return len(rows)

    @staticmethod
    def _observation_row(session_id: str, o: ObservationIn) -> ObservationRow:
        if not 0.0 <= o.confidence <= 1.0:
            raise StorageError(f"confidence must lie in [0, 1], got {o.confidence}")
        if o.timestamp.tzinfo is None:
            raise StorageError(f"timestamps must be timezone-aware (UTC), got naive {o.timestamp.isoformat()}")
        if o.frames < 1:
            raise StorageError(f"an observation stands for at least one frame, got frames={o.frames}")
        return ObservationRow(
            session_id=session_id,
            timestamp=o.timestamp,
            track_id=o.track_id,
            person=o.person,
            emotion=str(o.emotion),
            confidence=float(o.confidence),
            probabilities={str(k): float(v) for k, v in o.probabilities.items()},
            bbox=[float(v) for v in o.bbox] if o.bbox else None,
            frames=int(o.frames),
        )

    def _filtered(self, f: ObservationFilter) -> Select[ObservationRow, SessionRow]:
        query = select(ObservationRow, SessionRow).join(SessionRow, SessionRow.id == ObservationRow.session_id)
        return query.where(*observation_conditions(f))

    def query_observations(self, filters: ObservationFilter | None = None) -> list[ObservationRecord]:
        """Observations matching ``filters``, oldest first."""
        f = filters or ObservationFilter()
        query = self._filtered(f).order_by(ObservationRow.timestamp, ObservationRow.id).offset(f.offset).limit(f.limit)
        with self._db.read("read observations") as db:
            return [_observation_record(o, s.source, s.scenario) for o, s in db.execute(query)]

    def page_observations(
        self, f: ObservationFilter, after: PageKey | None, limit: int, newest_first: bool = True
    ) -> tuple[list[ObservationRecord], PageKey | None]:
        """One page of ``limit`` matching observations after ``after`` (None: the first page), and the key of the
        page after it (None on the last page). Keyset paging: any page costs what the first one does."""
        if limit < 1:
            raise StorageError(f"a page needs at least 1 observation, got limit={limit}")
        key = tuple_(ObservationRow.timestamp, ObservationRow.id)
        query = self._filtered(f)
        if after is not None:
            edge = tuple_(after.timestamp, after.id)
            query = query.where(key < edge if newest_first else key > edge)
        columns = (ObservationRow.timestamp, ObservationRow.id)
        query = query.order_by(*(c.desc() for c in columns) if newest_first else columns).limit(limit + 1)
        with self._db.read("read a page of observations") as db:
            records = [_observation_record(o, s.source, s.scenario) for o, s in db.execute(query)]
        more = len(records) > limit
        records = records[:limit]
        return records, PageKey(records[-1].timestamp, records[-1].id) if more else None

    def stream_observations(self, filters: ObservationFilter | None = None) -> Iterator[ObservationRecord]:
        """Observations matching ``filters``, oldest first, read from a server-side cursor a batch at a time.

        Memory stays flat however many match; the read transaction stays open until the iterator is exhausted
        or closed, so close it (or leave the ``for`` loop) rather than keep it waiting.
        """
        f = filters or ObservationFilter()
        o = ObservationRow
        columns = (o.id, o.session_id, SessionRow.source, SessionRow.scenario, o.timestamp, o.emotion, o.confidence)
        query = (
            select(*columns, o.probabilities, o.track_id, o.person, o.bbox)
            .join(SessionRow, SessionRow.id == o.session_id)
            .where(*observation_conditions(f))
            .order_by(o.timestamp, o.id)
            .offset(f.offset)
            .limit(f.limit)
            .execution_options(yield_per=_STREAM_BATCH)
        )
        with self._db.read("export observations") as db:
            for row in db.connection().execute(query):  # Core rows, unpacked by position: 3x faster than ORM's
                i, session_id, source, scenario, when, emotion, confidence, probabilities, track, person, bbox = row
                box = tuple(bbox) if bbox else None
                yield ObservationRecord(
                    i, session_id, source, scenario, when, emotion, confidence, probabilities, track, person, box
                )

    def distinct_values(self) -> dict[str, list[str]]:
        """The scenarios and people present, for filter menus."""
        with self._db.read("list scenarios and people") as db:
            scenarios = db.scalars(select(SessionRow.scenario).distinct().order_by(SessionRow.scenario)).all()
            people = db.scalars(_distinct_people()).all()
        return {"scenarios": list(scenarios), "people": [p for p in people if p]}

    # settings ---------------------------------------------------------------------------------------------

    def get_setting(self, key: str, default: Any = None) -> Any:
        """A stored setting (any JSON value), or ``default``."""
        with self._db.read(f"read setting {key!r}") as db:
            row = db.get(SettingRow, key)
            return default if row is None else row.value

    def set_setting(self, key: str, value: Any) -> None:
        """Store a setting (any JSON value)."""
        with self._db.write(f"save setting {key!r}") as db:
            row = db.get(SettingRow, key)
            if row is None:
                db.add(SettingRow(key=key, value=value))
            else:
                row.value = value
