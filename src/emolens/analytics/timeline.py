"""Timelines of emotion counts and shares in time buckets whose width follows the span: pure functions.

A bucket is a whole number of seconds from a ladder of readable widths (1 s .. 1 day, then whole days),
the narrowest that cuts the span into at most ``MAX_BUCKETS`` buckets. Buckets are aligned to the UTC
epoch (a 5-minute bucket starts at :00, :05, ...), so bucket ``n`` covers ``[n * width, (n + 1) * width)``
seconds since 1970-01-01 UTC: the database computes the same numbers (``storage.aggregates``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta

from emolens.analytics.distribution import Timed, complete_counts, emotion_shares, group_counts

__all__ = ["BUCKET_LADDER_S", "MAX_BUCKETS", "bucket_of", "bucket_width_s", "timeline", "timeline_of_counts"]

BUCKET_LADDER_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)
MAX_BUCKETS = 120  # the most points a timeline shows; each step of the ladder is <= 2.5x, so spans over 2 min
# get at least 48
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY_S = 86_400


def bucket_width_s(span_s: float) -> int:
    """The width of the buckets for a span of ``span_s`` seconds: the narrowest that gives <= MAX_BUCKETS."""
    fits = [w for w in BUCKET_LADDER_S if math.floor(span_s / w) + 1 <= MAX_BUCKETS]
    if fits:
        return fits[0]
    return _DAY_S * math.ceil(span_s / _DAY_S / (MAX_BUCKETS - 1))


def bucket_of(when: datetime, width_s: int) -> int:
    """The number of the ``width_s``-second bucket that holds ``when`` (aware)."""
    return (when - _EPOCH) // timedelta(seconds=width_s)


def timeline_of_counts(counts: Mapping[int, Mapping[str, int]], width_s: int) -> list[dict[str, object]]:
    """``[{"start", "end", "total", "counts", "shares"}, ...]`` from the first bucket with observations to the
    last (empty ones between them included, with zero counts), given each bucket number's emotion counts."""
    if not counts:
        return []
    return [_point(n, counts.get(n, {}), width_s) for n in range(min(counts), max(counts) + 1)]


def _point(n: int, found: Mapping[str, int], width_s: int) -> dict[str, object]:
    start = _EPOCH + timedelta(seconds=n * width_s)
    tally = complete_counts(found)
    return {
        "start": start.isoformat(),
        "end": (start + timedelta(seconds=width_s)).isoformat(),
        "total": sum(tally.values()),
        "counts": tally,
        "shares": {e: round(s, 4) for e, s in emotion_shares(tally).items()},
    }


def timeline(observations: Iterable[Timed], bucket_s: int | None = None) -> list[dict[str, object]]:
    """The timeline of ``observations`` (see ``timeline_of_counts``); ``bucket_s`` fixes the bucket width,
    otherwise ``bucket_width_s`` picks it from their span."""
    ordered = sorted(observations, key=lambda o: o.timestamp)
    if not ordered:
        return []
    width = bucket_s or bucket_width_s((ordered[-1].timestamp - ordered[0].timestamp).total_seconds())
    return timeline_of_counts(
        group_counts((bucket_of(o.timestamp, width), o.emotion, o.frames) for o in ordered), width
    )
