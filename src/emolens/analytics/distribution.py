"""Counts, shares, timelines and trends of emotions over observations: pure functions, no I/O."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from emolens.types import EMOTIONS

__all__ = [
    "RECENT_SHARE",
    "Timed",
    "complete_counts",
    "dominant_emotion",
    "emotion_counts",
    "emotion_shares",
    "faces_seen",
    "group_counts",
    "recent_cut",
    "rising_emotions",
    "trending_emotions",
]

K = TypeVar("K")


class Timed(Protocol):
    """Anything with a timestamp, an emotion name and the number of frames it stands for (ObservationRecord,
    ObservationIn: a per-track sample stands for several frames, and counts as that many faces seen)."""

    @property
    def timestamp(self) -> datetime: ...

    @property
    def emotion(self) -> str: ...

    @property
    def frames(self) -> int: ...


def emotion_counts(emotions: Iterable[str]) -> dict[str, int]:
    """How often each emotion occurs; the seven FER classes always appear (0 when absent), others after."""
    return complete_counts(Counter(str(e) for e in emotions))


def faces_seen(observations: Iterable[Timed]) -> dict[str, int]:
    """How many faces of each emotion ``observations`` stand for (each adds its ``frames``), as emotion_counts."""
    found: Counter[str] = Counter()
    for o in observations:
        found[o.emotion] += o.frames
    return complete_counts(found)


def complete_counts(found: Mapping[str, int]) -> dict[str, int]:
    """``found`` in FER order with all seven classes (0 when absent), other emotions after them by name."""
    counts = {e.value: found.get(e.value, 0) for e in EMOTIONS}
    counts.update(sorted((e, n) for e, n in found.items() if e not in counts))
    return counts


def group_counts(items: Iterable[tuple[K, str, int]]) -> dict[K, dict[str, int]]:
    """Sum ``(group, emotion, count)`` items into each group's emotion counts (groups in first-seen order)."""
    groups: dict[K, dict[str, int]] = {}
    for group, emotion, n in items:
        counts = groups.setdefault(group, {})
        counts[emotion] = counts.get(emotion, 0) + n
    return groups


def emotion_shares(counts: Mapping[str, int]) -> dict[str, float]:
    """Each emotion's share of all observations, in [0, 1]; all zero when there are none."""
    total = sum(counts.values())
    return {e: (n / total if total else 0.0) for e, n in counts.items()}


def dominant_emotion(counts: Mapping[str, int]) -> str | None:
    """The most frequent emotion (ties go to the first in FER order), or None without observations."""
    best = max(counts.items(), key=lambda item: item[1], default=None)
    return best[0] if best and best[1] > 0 else None


RECENT_SHARE = 0.3  # the part of a session, at its end, compared with the rest to find what is trending
MIN_TREND_OBSERVATIONS = 4


def recent_cut(total: int, recent_share: float = RECENT_SHARE) -> int | None:
    """Where the recent part of ``total`` observations (oldest first) begins; None for too few to tell."""
    if total < MIN_TREND_OBSERVATIONS:
        return None
    return min(total - 1, max(1, round(total * (1 - recent_share))))


def rising_emotions(before: Mapping[str, int], after: Mapping[str, int]) -> list[tuple[str, float]]:
    """``[(emotion, rise in share), ...]`` for the emotions whose share is higher ``after`` than ``before``,
    largest rise first (ties in the order of ``after``)."""
    old, new = emotion_shares(before), emotion_shares(after)
    rises = [(e, new[e] - old.get(e, 0.0)) for e in new]
    return sorted(((e, round(d, 4)) for e, d in rises if d > 0), key=lambda item: -item[1])


def trending_emotions(observations: Sequence[Timed], recent_share: float = RECENT_SHARE) -> list[tuple[str, float]]:
    """Emotions trending in a session: those whose share rose in its most recent part, largest rise first.

    The last ``recent_share`` of the faces seen (by time, each observation counting its ``frames``) is compared
    with everything before it (the one definition of "trending": the web's summary and the desktop's panel both
    use it); a sample that straddles the cut counts on both sides by its frames. Fewer than 4 faces: [].
    """
    cut = recent_cut(sum(o.frames for o in observations), recent_share)
    if cut is None:
        return []
    before: Counter[str] = Counter()
    after: Counter[str] = Counter()
    seen = 0
    for o in sorted(observations, key=lambda o: o.timestamp):
        early = min(o.frames, max(0, cut - seen))
        before[o.emotion] += early
        after[o.emotion] += o.frames - early
        seen += o.frames
    return rising_emotions(complete_counts(before), complete_counts(after))
