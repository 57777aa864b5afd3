"""Statistics of stored observations for the analytics page: the database counts, ``emolens.analytics`` derives.

``observation_stats`` asks the store for the time span, the counts per (scenario, person, emotion) and the
counts per (time bucket, emotion) of the filtered observations, never for the observations themselves: the
database reads each observation's index entries, and Python handles a few hundred counts.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from emolens.analytics import (
    bucket_of,
    bucket_width_s,
    complete_counts,
    confidence_score,
    emotion_shares,
    emotion_table,
    group_counts,
    timeline_of_counts,
)
from emolens.session.settings import UserSettings
from emolens.storage import BucketCount, GroupCount, ObservationFilter, Store

__all__ = ["EmotionTableRow", "ObservationStatsOut", "TimelinePoint", "observation_stats", "stats_of_counts"]


class EmotionTableRow(BaseModel):
    """One row of a per-person or per-scenario table."""

    name: str | None = Field(description="the person or scenario; null: faces nobody is enrolled as")
    total: int
    counts: dict[str, int]
    shares: dict[str, float]
    confidence_score: float | None


class TimelinePoint(BaseModel):
    """One time bucket: ``[start, end)`` in ISO 8601 UTC, its observations per emotion and their shares."""

    start: str
    end: str
    total: int
    counts: dict[str, int]
    shares: dict[str, float]


class ObservationStatsOut(BaseModel):
    """Counts, shares, score, timeline and tables of the filtered observations, and the values the filters offer."""

    total: int
    counts: dict[str, int]
    shares: dict[str, float]
    confidence_score: float | None
    bucket_s: int | None = Field(description="the width of the timeline's buckets in seconds; null without data")
    timeline: list[TimelinePoint]
    by_person: list[EmotionTableRow]
    by_scenario: list[EmotionTableRow]
    scenarios: list[str]
    people: list[str]


def observation_stats(store: Store, f: ObservationFilter, prefs: UserSettings) -> ObservationStatsOut:
    """The statistics of the observations matching ``f`` (its limit and offset are ignored), scored with
    the user's weights."""
    span = store.counts.span(f)
    if span is None:
        return stats_of_counts([], [], None, prefs, **store.distinct_values())
    bucket_s = bucket_width_s((span[1] - span[0]).total_seconds())
    groups = store.counts.by_group(f)
    buckets = range(bucket_of(span[0], bucket_s), bucket_of(span[1], bucket_s) + 1)
    cells = store.counts.by_bucket(f, bucket_s, buckets, sorted({g.emotion for g in groups}))
    return stats_of_counts(groups, cells, bucket_s, prefs, **store.distinct_values())


def stats_of_counts(
    groups: list[GroupCount],
    cells: list[BucketCount],
    bucket_s: int | None,
    prefs: UserSettings,
    scenarios: list[str],
    people: list[str],
) -> ObservationStatsOut:
    """The statistics of the counts per (scenario, person, emotion) and per (bucket of ``bucket_s``, emotion)."""
    totals = complete_counts(group_counts(("all", g.emotion, g.count) for g in groups).get("all", {}))
    by_person: dict[str | None, dict[str, int]] = group_counts((g.person, g.emotion, g.count) for g in groups)
    by_scenario: dict[str | None, dict[str, int]] = group_counts((g.scenario, g.emotion, g.count) for g in groups)
    timeline = timeline_of_counts(group_counts((c.bucket, c.emotion, c.count) for c in cells), bucket_s or 1)
    return ObservationStatsOut(
        total=sum(totals.values()),
        counts=totals,
        shares=emotion_shares(totals),
        confidence_score=confidence_score(totals, prefs.weights, prefs.other_weight),
        bucket_s=bucket_s,
        timeline=[TimelinePoint.model_validate(p) for p in timeline],
        by_person=_table(by_person, prefs),
        by_scenario=_table(by_scenario, prefs),
        scenarios=scenarios,
        people=people,
    )


def _table(groups: dict[str | None, dict[str, int]], prefs: UserSettings) -> list[EmotionTableRow]:
    return [EmotionTableRow.model_validate(r) for r in emotion_table(groups, prefs.weights, prefs.other_weight)]
