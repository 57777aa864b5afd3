"""Running statistics of a live session: emotion counts, confidence, the recent trend and the frame rate."""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter, deque
from collections.abc import Iterable, Mapping

from emolens.analytics import recent_cut, rising_emotions
from emolens.errors import ConfigError
from emolens.types import EMOTIONS, Emotion, Prediction

__all__ = ["FpsMeter", "LiveStats"]


class LiveStats:
    """Counts of emotions (overall and per enrolled person) since the start (or the last reset) and the
    observations of the last ``window_s``.

    Times are seconds on the session's clock (media time for files, wall time for cameras), never dates.
    """

    def __init__(self, window_s: float = 10.0, labels: Iterable[Emotion] = EMOTIONS):
        if window_s <= 0:
            raise ConfigError(f"window_s must be > 0, got {window_s}")
        self.window_s = window_s
        self.labels: tuple[Emotion, ...] = tuple(labels)
        self.reset()

    def reset(self) -> None:
        """Forget every count and the recent window (the session itself goes on)."""
        self.counts: Counter[Emotion] = Counter()
        self.frames = 0
        self.observations = 0
        self.confidence_sum = 0.0
        self.faces_now = 0
        self.max_faces = 0
        self.person_counts: dict[str, Counter[Emotion]] = {}
        self._recent: deque[tuple[float, Emotion]] = deque()
        self._positions: dict[Emotion, list[int]] = {e: [] for e in self.labels}  # observation numbers, by label
        self._last_s: float | None = None

    def add(self, time_s: float, predictions: list[Prediction]) -> None:
        """Count one analysed frame and its faces, at ``time_s``."""
        self.frames += 1
        self.faces_now = len(predictions)
        self.max_faces = max(self.max_faces, self.faces_now)
        for p in predictions:
            self.counts[p.label] += 1
            self._positions.setdefault(p.label, []).append(self.observations)
            self.observations += 1
            self.confidence_sum += p.confidence
            if p.person:
                self.person_counts.setdefault(p.person, Counter())[p.label] += 1
            self._recent.append((time_s, p.label))
        self._last_s = time_s
        self._expire(time_s)

    def _expire(self, now_s: float) -> None:
        while self._recent and self._recent[0][0] <= now_s - self.window_s:
            self._recent.popleft()

    @property
    def mean_confidence(self) -> float | None:
        return self.confidence_sum / self.observations if self.observations else None

    def shares(self) -> dict[Emotion, float]:
        """Each label's share of the observations counted (all 0 before the first)."""
        total = sum(self.counts.values())
        return {e: (self.counts[e] / total if total else 0.0) for e in self.labels}

    def dominant(self, counts: Mapping[Emotion, int] | None = None) -> Emotion | None:
        """The most frequent emotion (ties go to the earlier label); None without observations."""
        counts = self.counts if counts is None else counts
        best = max(self.labels, key=lambda e: (counts.get(e, 0), -self.labels.index(e)))
        return best if counts.get(best, 0) else None

    def recent_counts(self) -> Counter[Emotion]:
        """Emotion counts over the last ``window_s`` seconds."""
        return Counter(label for _, label in self._recent)

    def trend_buckets(self, buckets: int = 10) -> list[Counter[Emotion]]:
        """The last ``window_s`` seconds cut into ``buckets`` equal slices, oldest first, each an emotion count."""
        out: list[Counter[Emotion]] = [Counter() for _ in range(buckets)]
        if self._last_s is None:
            return out
        start = self._last_s - self.window_s
        width = self.window_s / buckets
        for time_s, label in self._recent:
            index = min(buckets - 1, max(0, math.ceil((time_s - start) / width) - 1))  # slices are (a, b]
            out[index][label] += 1
        return out

    def rising(self) -> list[tuple[str, float]]:
        """``[(emotion, rise in share), ...]`` since the start (or the last reset), largest rise first, by
        ``analytics.trending_emotions``' rule: the latest 30% of the observations against those before."""
        cut = recent_cut(self.observations)
        if cut is None:
            return []
        before = {e.value: bisect_left(self._positions.get(e, []), cut) for e in self.labels}
        after = {e.value: self.counts[e] - before[e.value] for e in self.labels}
        return rising_emotions(before, after)

    def trending(self) -> Emotion | None:
        """The emotion whose share rose most (``rising``'s first); None if none rose."""
        rising = self.rising()
        return Emotion(rising[0][0]) if rising else None


class FpsMeter:
    """Frames per second over the last ``span`` frames (a moving window, so the figure stays readable)."""

    def __init__(self, span: int = 30):
        self._ticks: deque[float] = deque(maxlen=span + 1)

    def tick(self, now_s: float) -> None:
        """Record that a frame was shown at monotonic time ``now_s``."""
        self._ticks.append(now_s)

    def clear(self) -> None:
        """Forget past frames (after a pause, so the pause does not drag the figure down)."""
        self._ticks.clear()

    @property
    def fps(self) -> float:
        if len(self._ticks) < 2:
            return 0.0
        elapsed = self._ticks[-1] - self._ticks[0]
        return (len(self._ticks) - 1) / elapsed if elapsed > 0 else 0.0
