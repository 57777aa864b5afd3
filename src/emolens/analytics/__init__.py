"""Analytics: pure functions over observations and their counts (distributions, timelines, tables, trends, score,
advice)."""

from __future__ import annotations

from emolens.analytics.advice import SCENARIOS, Advice, advice_for, scenario_key
from emolens.analytics.cells import spreadsheet_safe
from emolens.analytics.distribution import (
    complete_counts,
    dominant_emotion,
    emotion_counts,
    emotion_shares,
    faces_seen,
    group_counts,
    recent_cut,
    rising_emotions,
    trending_emotions,
)
from emolens.analytics.score import DEFAULT_WEIGHTS, OTHER_WEIGHT, confidence_score, parse_weights
from emolens.analytics.tables import emotion_table
from emolens.analytics.timeline import bucket_of, bucket_width_s, timeline, timeline_of_counts

__all__ = [
    "DEFAULT_WEIGHTS",
    "OTHER_WEIGHT",
    "SCENARIOS",
    "Advice",
    "advice_for",
    "bucket_of",
    "bucket_width_s",
    "complete_counts",
    "confidence_score",
    "dominant_emotion",
    "emotion_counts",
    "emotion_shares",
    "emotion_table",
    "faces_seen",
    "group_counts",
    "parse_weights",
    "recent_cut",
    "rising_emotions",
    "scenario_key",
    "spreadsheet_safe",
    "timeline",
    "timeline_of_counts",
    "trending_emotions",
]
