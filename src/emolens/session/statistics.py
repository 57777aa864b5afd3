"""Statistics of stored observations for the analytics page: the database counts, ``emolens.analytics`` derives.

``observation_stats`` asks the store for the time span and the counts per (time bucket, scenario, person,
emotion) of the filtered observations, never for the observations themselves, so it costs the same for a
hundred rows as a few GROUP BY scans do for millions.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from emolens.analytics import (
    bucket_width_s,
    complete_counts,
    confidence_score,
    emotion_shares,
    emotion_table,
    group_counts,
    timeline_of_counts,
)
from emolens.session.settings import UserSettings
from emolens.storage import EmotionCount, ObservationFilter, Store

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
    bucket_s = bucket_width_s((span[1] - span[0]).total_seconds()) if span else None
    counts = store.counts.by_bucket(f, bucket_s) if bucket_s else []
    return stats_of_counts(counts, bucket_s, prefs, **store.distinct_values())


def stats_of_counts(
    counts: list[EmotionCount], bucket_s: int | None, prefs: UserSettings, scenarios: list[str], people: list[str]
) -> ObservationStatsOut:
    """The statistics of ``counts`` (per bucket of ``bucket_s`` seconds, scenario, person and emotion)."""
    totals = complete_counts(group_counts(("all", c.emotion, c.count) for c in counts).get("all", {}))
    by_person: dict[str | None, dict[str, int]] = group_counts((c.person, c.emotion, c.count) for c in counts)
    by_scenario: dict[str | None, dict[str, int]] = group_counts((c.scenario, c.emotion, c.count) for c in counts)
    timeline = timeline_of_counts(group_counts((c.bucket, c.emotion, c.count) for c in counts), bucket_s or 1)
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
