"""Counts, shares, timelines and trends of emotions over observations: pure functions, no I/O."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from emolens.types import EMOTIONS

__all__ = ["Timed", "dominant_emotion", "emotion_counts", "emotion_shares", "timeline", "trending_emotions"]


class Timed(Protocol):
    """Anything with a timestamp and an emotion name (ObservationRecord, ObservationIn)."""

    @property
    def timestamp(self) -> datetime: ...

    @property
    def emotion(self) -> str: ...


def emotion_counts(emotions: Iterable[str]) -> dict[str, int]:
    """How often each emotion occurs; the seven FER classes always appear (0 when absent), others after."""
    found = Counter(str(e) for e in emotions)
    counts = {e.value: found.pop(e.value, 0) for e in EMOTIONS}
    counts.update(sorted(found.items()))
    return counts


def emotion_shares(counts: Mapping[str, int]) -> dict[str, float]:
    """Each emotion's share of all observations, in [0, 1]; all zero when there are none."""
    total = sum(counts.values())
    return {e: (n / total if total else 0.0) for e, n in counts.items()}


def dominant_emotion(counts: Mapping[str, int]) -> str | None:
    """The most frequent emotion (ties go to the first in FER order), or None without observations."""
    best = max(counts.items(), key=lambda item: item[1], default=None)
    return best[0] if best and best[1] > 0 else None


def timeline(
    observations: Sequence[Timed], bucket_s: float | None = None, buckets: int = 30
) -> list[dict[str, object]]:
    """Emotion counts per time bucket: ``[{"start": iso, "counts": {...}}, ...]`` oldest first.

    ``bucket_s`` fixes the width; without it the span is cut into about ``buckets`` equal buckets (>= 1 s).
    """
    if not observations:
        return []
    ordered = sorted(observations, key=lambda o: o.timestamp)
    start, end = ordered[0].timestamp, ordered[-1].timestamp
    width = bucket_s or max(1.0, (end - start).total_seconds() / max(1, buckets))
    grouped: dict[int, list[str]] = {}
    for o in ordered:
        grouped.setdefault(int((o.timestamp - start).total_seconds() // width), []).append(o.emotion)
    return [
        {"start": (start + timedelta(seconds=i * width)).isoformat(), "counts": emotion_counts(grouped.get(i, []))}
        for i in range(max(grouped) + 1)
    ]


def trending_emotions(observations: Sequence[Timed], recent_share: float = 0.3) -> list[tuple[str, float]]:
    """Emotions whose share grew in the most recent part of a session, largest rise first.

    The last ``recent_share`` of the observations (by time) is compared with everything before it; the
    result is ``[(emotion, rise in share), ...]`` for the emotions that rose. Fewer than 4 observations: [].
    """
    if len(observations) < 4:
        return []
    ordered = sorted(observations, key=lambda o: o.timestamp)
    cut = min(len(ordered) - 1, max(1, round(len(ordered) * (1 - recent_share))))
    before = emotion_shares(emotion_counts(o.emotion for o in ordered[:cut]))
    after = emotion_shares(emotion_counts(o.emotion for o in ordered[cut:]))
    rises = [(e, after.get(e, 0.0) - before.get(e, 0.0)) for e in after]
    return sorted(((e, round(d, 4)) for e, d in rises if d > 0), key=lambda item: -item[1])
