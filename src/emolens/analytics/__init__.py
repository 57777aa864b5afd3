"""Analytics: pure functions over observations (distributions, timelines, trends, score, advice)."""

from __future__ import annotations

from emolens.analytics.advice import SCENARIOS, Advice, advice_for, scenario_key
from emolens.analytics.cells import spreadsheet_safe
from emolens.analytics.distribution import (
    dominant_emotion,
    emotion_counts,
    emotion_shares,
    recent_cut,
    rising_emotions,
    timeline,
    trending_emotions,
)
from emolens.analytics.score import DEFAULT_WEIGHTS, OTHER_WEIGHT, confidence_score, parse_weights

__all__ = [
    "DEFAULT_WEIGHTS",
    "OTHER_WEIGHT",
    "SCENARIOS",
    "Advice",
    "advice_for",
    "confidence_score",
    "dominant_emotion",
    "emotion_counts",
    "emotion_shares",
    "parse_weights",
    "recent_cut",
    "rising_emotions",
    "scenario_key",
    "spreadsheet_safe",
    "timeline",
    "trending_emotions",
]
