"""Continuous monitoring: a rolling window over the faces being analysed, tested against the profile every
few faces, reporting an event whenever the verdict changes; `watch.DriftWatch` feeds it from the server
and the viewer and turns rises of the verdict into stored alarms."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from emolens.monitoring.drift import DriftReport, compare
from emolens.monitoring.features import Measurements
from emolens.monitoring.profile import Profile

__all__ = ["DriftEvent", "RollingMonitor"]


@dataclass(frozen=True)
class DriftEvent:
    """A change of verdict: when, from what to what, over how many faces, and the tests behind it."""

    at: datetime
    previous: str
    verdict: str
    retrain: bool
    faces: int
    alarms: dict[str, str]
    report: DriftReport

    def to_dict(self) -> dict[str, object]:
        return {
            "at": self.at.isoformat(),
            "previous": self.previous,
            "verdict": self.verdict,
            "retrain": self.retrain,
            "faces": self.faces,
            "alarms": self.alarms,
        }


class RollingMonitor:
    """Tests the last ``window`` faces against ``profile`` every ``check_every`` new faces (once ``window``
    faces are in); ``add`` returns a DriftEvent when the verdict differs from the last check's.

    A longer window catches smaller shifts and reacts later; ``permutations`` trades the feature-summary
    test's cost (one matrix-vector product each) for the resolution of its p-value. Thread-safe.
    """

    def __init__(
        self, profile: Profile, window: int = 300, check_every: int = 100, permutations: int = 2000, seed: int = 0
    ):
        if window < 20 or check_every < 1:
            raise ValueError(f"window needs >= 20 faces and check_every >= 1, got {window} and {check_every}")
        self.profile = profile
        self.window = window
        self.check_every = check_every
        self.permutations = permutations
        self.verdict = "ok"
        self.last_report: DriftReport | None = None
        self._parts: list[Measurements] = []
        self._faces = 0
        self._since_check = 0
        self._seed = seed
        self._lock = threading.Lock()

    def _recent(self) -> Measurements:
        joined = Measurements.concat(self._parts) if len(self._parts) > 1 else self._parts[0]
        recent = joined.take(np.arange(max(0, len(joined) - self.window), len(joined)))
        self._parts, self._faces = [recent], len(recent)
        return recent

    def add(self, measured: Measurements, at: datetime | None = None) -> DriftEvent | None:
        """Take new faces; a DriftEvent when this brought a check whose verdict changed, else None."""
        if not len(measured):
            return None
        with self._lock:
            self._parts.append(measured)
            self._faces += len(measured)
            self._since_check += len(measured)
            if self._faces < self.window or self._since_check < self.check_every:
                return None
            self._since_check = 0
            report = compare(self.profile, self._recent(), permutations=self.permutations, seed=self._seed)
            self.last_report, previous = report, self.verdict
            self.verdict = report.verdict
            if report.verdict == previous:
                return None
            when = at or datetime.now(UTC)
            return DriftEvent(when, previous, report.verdict, report.retrain, report.faces, report.alarms(), report)
