"""Continuous monitoring of a running app: faces already detected in analysed frames feed one rolling window;
an alarm is raised once when its verdict rises (ok -> warn -> drift), stored, and sent to the hook.

Re-arming: after an alarm, a further alarm comes only when the verdict rises again; a check that comes back
"ok" re-arms from the bottom, so the next warn or drift raises a new one. Falling from drift to warn is no
alarm.

The live crops are aligned (eyes level, the face at FER2013's place) before they are classified, so their
roll, eye distance and eye position measure the aligner, not the camera: they are left out here
(``ALIGNED_AWAY``); `emolens drift` on a folder of crops still tests them.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from emolens.errors import DatabaseError
from emolens.monitoring.drift import LEVELS, THRESHOLDS, DriftReport
from emolens.monitoring.features import FeatureReader, LandmarkFinder, Measurements, frame_statistics
from emolens.monitoring.hook import DriftHook
from emolens.monitoring.profile import Profile, profile_path
from emolens.monitoring.rolling import DriftEvent, RollingMonitor
from emolens.storage import Store
from emolens.storage.drift_events import DriftEventIn, DriftEventRecord
from emolens.types import Face
from emolens.vision.align import align_faces

__all__ = ["ALIGNED_AWAY", "DriftWatch", "WatchOptions", "alarm_features", "start_watch"]

log = logging.getLogger(__name__)
ALIGNED_AWAY = ("roll_deg", "eye_distance", "eyes_x", "eyes_y")


@dataclass(frozen=True)
class WatchOptions:
    """``window`` faces tested every ``check_every`` new ones; one analysed frame in ``every`` is measured
    (measuring costs about a classification more per face: a larger ``every`` costs less and fills the window
    more slowly); ``hook`` is told of each alarm; ``profile`` is the reference (default: the model's own, from its
    validation crops; a profile of the deployed camera's frames, made by `emolens drift clip.mp4 --save-profile`,
    keeps camera traits such as a softer image from alarming)."""

    window: int = 300
    check_every: int = 100
    every: int = 2
    hook: DriftHook | None = None
    profile: Path | None = None


def alarm_features(report: DriftReport) -> list[dict[str, Any]]:
    """The tests that alarmed: feature, test, statistic, p-value, effect and the threshold its level crossed."""
    out = []
    for r in report.results:
        if r.level == "ok":
            continue
        threshold = THRESHOLDS[r.effect_name][LEVELS.index(r.level) - 1]
        out.append(
            {"feature": r.feature, "test": r.test, "statistic": r.statistic, "p_value": r.p_value,
             "effect_name": r.effect_name, "effect": r.effect, "threshold": threshold, "level": r.level}
        )  # fmt: skip
    return out


class DriftWatch:
    """One rolling window over every face a running app analyses (all its sessions), against ``profile``.

    ``model`` is the served .onnx model (default: the shipped one), measured against its profile beside it.
    Thread-safe: live sessions, the kiosk and the viewer call ``observe`` from their own threads.
    """

    def __init__(self, store: Store, source: str, options: WatchOptions | None = None, model: str | None = None):
        self.options = options or WatchOptions()
        self.store, self.source = store, source
        self.profile = Profile.load(self.options.profile or profile_path(model))
        self.reader = FeatureReader(model)
        self.finder = LandmarkFinder()
        self.monitor = RollingMonitor(self.profile, self.options.window, self.options.check_every)
        self.recent: deque[tuple[datetime, dict[str, float], str]] = deque(maxlen=self.options.window)
        self.faces_seen = 0
        self.last_event: DriftEventRecord | None = None
        self._raised, self._frames = 0, 0
        self._lock = threading.Lock()

    def observe(
        self, image: np.ndarray, faces: list[Face], session_id: str | None, at: datetime | None = None
    ) -> DriftEventRecord | None:
        """Measure ``faces`` of one analysed BGR frame (one frame in ``every``); the stored alarm when they
        brought one, else None."""
        with self._lock:
            self._frames += 1
            if not faces or (self._frames - 1) % self.options.every:
                return None
            measured = self._measure(image, faces)
            when = at or datetime.now(UTC)
            self._remember(measured, when)
            event = self.monitor.add(measured, when)
            if event is None or not self._rises(event):
                return None
        return self._record(event, session_id)

    def _measure(self, image: np.ndarray, faces: list[Face]) -> Measurements:
        measured = self.reader.measure(align_faces(image, faces, self.reader.card.input_size), self.finder)
        for name in ALIGNED_AWAY:
            measured.numbers.pop(name, None)
        measured.numbers.update(frame_statistics(faces, (image.shape[1], image.shape[0])))
        return measured

    def _remember(self, measured: Measurements, when: datetime) -> None:
        labels = self.profile.labels
        for i in range(len(measured)):
            numbers = {k: float(v[i]) for k, v in measured.numbers.items() if np.isfinite(v[i])}
            self.recent.append((when, numbers, labels[int(measured.predicted[i])]))
        self.faces_seen += len(measured)

    def _rises(self, event: DriftEvent) -> bool:
        """True when the verdict rose above the last alarm's; an ok check re-arms."""
        level = LEVELS.index(event.verdict)
        if level == 0 or level <= self._raised:
            self._raised = 0 if level == 0 else self._raised
            return False
        self._raised = level
        return True

    def _record(self, event: DriftEvent, session_id: str | None) -> DriftEventRecord | None:
        details = {
            "previous": event.previous,
            "retrain": event.retrain,
            "faces": event.faces,
            "window": self.options.window,
            "alpha_per_test": event.report.alpha_per_test,
            "model": self.profile.model,
            "model_version": self.profile.model_version,
        }
        try:
            stored = self.store.drift_events.add(
                DriftEventIn(event.at, self.source, event.verdict, alarm_features(event.report), details, session_id)
            )
        except DatabaseError as exc:
            log.error("a drift %s alarm could not be stored: %s", event.verdict, exc)
            return None
        if stored is None:
            return None
        log.warning("drift %s (%s): %s", stored.verdict, self.source, ", ".join(f["feature"] for f in stored.features))
        self.last_event = stored
        if self.options.hook is not None:
            self.options.hook.call({"type": "drift", **stored.to_dict()})
        return stored

    def snapshot(self) -> tuple[list[tuple[datetime, dict[str, float], str]], DriftReport | None, str]:
        """The recent faces (time, numbers, predicted label), the last check's report and the verdict."""
        with self._lock:
            return list(self.recent), self.monitor.last_report, self.monitor.verdict


def start_watch(store: Store, source: str, options: WatchOptions | None, model: str | None) -> DriftWatch | None:
    """The drift watch of a running app, or None when monitoring is off or the model has no profile.

    A model without a profile beside it (one not made by `emolens export`) runs unmonitored, with a warning;
    a profile that was asked for (``options.profile``) must exist.
    """
    if options is None:
        return None
    if options.profile is None and not profile_path(model).is_file():
        log.warning(
            "drift monitoring is off: %s has no profile beside it; `emolens export` writes one, or set "
            "EMOLENS_DRIFT_PROFILE",
            model,
        )
        return None
    return DriftWatch(store, source, options, model)
