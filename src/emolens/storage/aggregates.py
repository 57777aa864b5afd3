"""Emotion counts computed by the database, for statistics over any number of observations.

The analytics page never loads observations into Python. It asks for three things, each answered from an
index without sorting the observations (SQLite sorts every row it groups unless an index gives the order):

- ``span``: the first and last timestamp (the ``(timestamp, id)`` and ``(session_id, timestamp)`` indexes);
- ``by_group``: the count per (scenario, person, emotion), grouped in the order of the
  ``(session_id, person, emotion, timestamp, frames)`` index;
- ``by_bucket``: the count per (time bucket, emotion), one range count per bucket and emotion on the
  ``(emotion, timestamp, session_id, person, frames)`` index: each observation is read once, none is sorted.

Counts are of faces seen: each row adds its ``frames`` (a per-track sample stands for several frames), so
the figures do not depend on the sampling rate. The same SQL runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Integer, String, column, func, select, true, values

from emolens.errors import StorageError
from emolens.storage.database import Database
from emolens.storage.filters import observation_conditions
from emolens.storage.records import ObservationFilter
from emolens.storage.tables import ObservationRow, SessionRow, UtcDateTime

__all__ = ["BucketCount", "GroupCount", "ObservationCounts"]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_BUCKETS = 1000  # more time buckets than any timeline needs; each costs an index search per emotion


@dataclass(frozen=True)
class GroupCount:
    """How many observations of one emotion one person (None: nobody enrolled) has in one scenario."""

    scenario: str
    person: str | None
    emotion: str
    count: int


@dataclass(frozen=True)
class BucketCount:
    """How many observations of one emotion fell in time bucket ``bucket``: ``[bucket * width, (bucket + 1) *
    width)`` seconds since 1970-01-01 UTC."""

    bucket: int
    emotion: str
    count: int


class ObservationCounts:
    """Counting queries over the observations that match an :class:`ObservationFilter` (limit and offset unused)."""

    def __init__(self, db: Database):
        self._db = db

    def span(self, f: ObservationFilter) -> tuple[datetime, datetime] | None:
        """The first and last timestamp among the matching observations; None when none match."""
        conditions = observation_conditions(f)
        ends = (
            select(end(ObservationRow.timestamp)).where(*conditions).scalar_subquery() for end in (func.min, func.max)
        )
        with self._db.read("find the time span of the observations") as db:  # one end each: both read the index
            first, last = tuple(db.execute(select(*ends)).one())
        return None if first is None or last is None else (first, last)

    def by_group(self, f: ObservationFilter) -> list[GroupCount]:
        """The count of the matching observations per scenario, person and emotion."""
        keys = (ObservationRow.session_id, ObservationRow.person, ObservationRow.emotion)
        grouped = (
            select(*keys, func.sum(ObservationRow.frames).label("n"))
            .where(*observation_conditions(f))
            .group_by(*keys)
            .subquery()
        )
        outer = (SessionRow.scenario, grouped.c.person, grouped.c.emotion)
        query = select(*outer, func.sum(grouped.c.n)).join(SessionRow, SessionRow.id == grouped.c.session_id)
        with self._db.read("count the observations") as db:
            return [GroupCount(s, p, e, int(n)) for s, p, e, n in db.execute(query.group_by(*outer))]

    def by_bucket(
        self, f: ObservationFilter, bucket_s: int, buckets: range, emotions: Sequence[str]
    ) -> list[BucketCount]:
        """The count of the matching observations of each of ``emotions`` in each of ``buckets`` (bucket numbers,
        see :class:`BucketCount`) of ``bucket_s`` seconds; cells without observations are left out."""
        if bucket_s < 1 or not 0 < len(buckets) <= MAX_BUCKETS:
            raise StorageError(
                f"a timeline needs 1 to {MAX_BUCKETS} buckets of >= 1 s, got {len(buckets)} of {bucket_s} s"
            )
        if not emotions:
            return []
        width = timedelta(seconds=bucket_s)
        edges = [(n, EPOCH + n * width, EPOCH + (n + 1) * width) for n in buckets]
        cells = values(column("n", Integer), column("lo", UtcDateTime), column("hi", UtcDateTime), name="cells")
        bucket = cells.data(edges).cte("buckets")
        kinds = values(column("emotion", String), name="kinds").data([(e,) for e in emotions]).cte("emotions")
        count = (
            select(func.coalesce(func.sum(ObservationRow.frames), 0))
            .where(ObservationRow.emotion == kinds.c.emotion)
            .where(ObservationRow.timestamp >= bucket.c.lo, ObservationRow.timestamp < bucket.c.hi)
            .where(*observation_conditions(f))
            .scalar_subquery()
        )
        query = select(bucket.c.n, kinds.c.emotion, count).select_from(bucket.join(kinds, true()))
        with self._db.read("count the observations per time bucket") as db:
            return [BucketCount(int(b), e, int(n)) for b, e, n in db.execute(query) if n]
