"""Tables of emotion counts per group (a person, a scenario): counts, shares and confidence score per row."""

from __future__ import annotations

from collections.abc import Mapping

from emolens.analytics.distribution import complete_counts, emotion_shares
from emolens.analytics.score import OTHER_WEIGHT, confidence_score

__all__ = ["emotion_table"]


def emotion_table(
    groups: Mapping[str | None, Mapping[str, int]],
    weights: Mapping[str, float] | None = None,
    other: float = OTHER_WEIGHT,
) -> list[dict[str, object]]:
    """One row per group, by name (None, e.g. faces of nobody enrolled, last): ``{"name", "total", "counts",
    "shares", "confidence_score"}``, each group's score with ``weights`` and ``other`` as ``confidence_score``."""
    rows: list[dict[str, object]] = []
    for name in sorted(groups, key=lambda g: (g is None, g or "")):
        counts = complete_counts(groups[name])
        rows.append(
            {
                "name": name,
                "total": sum(counts.values()),
                "counts": counts,
                "shares": {e: round(s, 4) for e, s in emotion_shares(counts).items()},
                "confidence_score": confidence_score(counts, weights, other),
            }
        )
    return rows
