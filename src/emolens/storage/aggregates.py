"""Emotion counts computed by the database: GROUP BY time bucket, scenario, person and emotion.

The analytics page never loads observations into Python: it asks for the time span, then for the counts of
each (bucket, scenario, person, emotion), and ``emolens.analytics`` turns those counts into shares, tables,
scores and a timeline. The same SQL runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, ColumnElement, Integer, cast, func, literal_column, select

from emolens.errors import StorageError
from emolens.storage.database import Database
from emolens.storage.filters import observation_conditions
from emolens.storage.records import ObservationFilter
from emolens.storage.tables import ObservationRow, SessionRow

__all__ = ["EmotionCount", "ObservationCounts"]

_BEFORE_1970_S = 62_135_596_800  # seconds from 0001-01-01 to 1970-01-01: shifts every epoch to >= 0


@dataclass(frozen=True)
class EmotionCount:
    """How many observations of one emotion fell in one time bucket, scenario and person (None: nobody)."""

    bucket: int  # the bucket's number: seconds since 1970-01-01 UTC, floor-divided by the bucket width
    scenario: str
    person: str | None
    emotion: str
    count: int


class ObservationCounts:
    """Counting queries over the observations that match an :class:`ObservationFilter`."""

    def __init__(self, db: Database, dialect: str):
        self._db, self._dialect = db, dialect

    def span(self, f: ObservationFilter) -> tuple[datetime, datetime] | None:
        """The first and last timestamp among the matching observations; None when none match."""
        query = select(func.min(ObservationRow.timestamp), func.max(ObservationRow.timestamp))
        with self._db.read("find the time span of the observations") as db:
            first, last = db.execute(query.where(*observation_conditions(f))).one()
        return None if first is None or last is None else (first, last)

    def by_bucket(self, f: ObservationFilter, bucket_s: int) -> list[EmotionCount]:
        """The counts of the matching observations per ``bucket_s``-second bucket, scenario, person and emotion."""
        if bucket_s < 1:
            raise StorageError(f"a time bucket must last at least 1 s, got {bucket_s}")
        inner = (ObservationRow.session_id, ObservationRow.person, ObservationRow.emotion)
        grouped = (
            select(self._bucket(bucket_s).label("bucket"), *inner, func.count().label("n"))
            .where(*observation_conditions(f))
            .group_by(literal_column("bucket"), *inner)
            .subquery()
        )
        keys = (grouped.c.bucket, SessionRow.scenario, grouped.c.person, grouped.c.emotion)
        query = select(*keys, func.sum(grouped.c.n)).join(SessionRow, SessionRow.id == grouped.c.session_id)
        query = query.group_by(*keys)
        with self._db.read("count the observations") as db:
            return [EmotionCount(int(b), s, p, e, int(n)) for b, s, p, e, n in db.execute(query)]

    def _bucket(self, bucket_s: int) -> ColumnElement[int]:
        """The bucket number of each observation's timestamp, floor-divided on every date since year 1.

        Whole seconds suffice: with whole-second buckets a fraction of a second never crosses a bucket's edge.
        Both databases divide integers by truncation, so the epoch is shifted to be non-negative first.
        """
        if self._dialect == "sqlite":
            epoch_s: ColumnElement[int] = cast(func.strftime("%s", ObservationRow.timestamp), Integer)
        else:
            epoch_s = cast(func.floor(func.date_part("epoch", ObservationRow.timestamp)), BigInteger)
        shift = _BEFORE_1970_S // bucket_s + 1
        shifted = epoch_s + literal_column(str(shift * bucket_s), BigInteger)
        return shifted // literal_column(str(bucket_s), Integer) - literal_column(str(shift), Integer)
