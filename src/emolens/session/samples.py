"""Per-track samples: the frames of one tracked face within an interval become one stored observation.

A sample holds the mean probabilities of its frames (its emotion and confidence come from that mean), the last
box, the time of its first frame and how many frames it stands for. At 2 samples a second a face followed at
30 FPS stores one row where it stored 15.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from emolens.errors import ConfigError
from emolens.storage import ObservationIn
from emolens.types import Prediction

__all__ = ["DEFAULT_SAMPLES_PER_SECOND", "MAX_SAMPLES_PER_SECOND", "TrackSampler"]

DEFAULT_SAMPLES_PER_SECOND = 2.0
MAX_SAMPLES_PER_SECOND = 60.0


@dataclass
class _Sample:
    """The frames of one track seen so far in the current interval."""

    start: datetime
    track_id: int
    person: str | None
    bbox: tuple[float, float, float, float]
    sums: dict[str, float] = field(default_factory=dict)
    frames: int = 0

    def add(self, prediction: Prediction) -> None:
        for emotion, p in prediction.probabilities.items():
            self.sums[emotion.value] = self.sums.get(emotion.value, 0.0) + p
        self.bbox = prediction.face.bbox.xyxy
        self.frames += 1

    def observation(self) -> ObservationIn:
        means = {name: round(total / self.frames, 5) for name, total in self.sums.items()}
        emotion = max(means, key=lambda name: means[name])  # a tie goes to the model's earlier class
        return ObservationIn(
            timestamp=self.start,
            emotion=emotion,
            confidence=min(1.0, max(0.0, means[emotion])),
            probabilities=means,
            track_id=self.track_id,
            person=self.person,
            bbox=tuple(round(v, 1) for v in self.bbox),  # type: ignore[arg-type]
            frames=self.frames,
        )


class TrackSampler:
    """Turns each frame's predictions into the observations due for storing, ``samples_per_second`` per track.

    More samples keep finer detail at more rows; 0 stores every frame (one row per face per frame). Faces
    without a track (nothing to follow them by) are always stored frame by frame. A track's sample is due once
    its interval has passed (checked on every frame, so a track that ended is written one interval after it
    started), when the person recognised on the track changes, and on ``drain``.
    """

    def __init__(self, samples_per_second: float = DEFAULT_SAMPLES_PER_SECOND):
        if not (math.isfinite(samples_per_second) and 0 <= samples_per_second <= MAX_SAMPLES_PER_SECOND):
            raise ConfigError(
                f"samples_per_second must lie in [0, {MAX_SAMPLES_PER_SECOND:g}] (0: every frame), "
                f"got {samples_per_second}"
            )
        self.samples_per_second = samples_per_second
        self.interval = timedelta(seconds=1 / samples_per_second) if samples_per_second else None
        self._open: dict[int, _Sample] = {}

    @property
    def open_tracks(self) -> int:
        """How many tracks have frames not yet in a due observation."""
        return len(self._open)

    def add(self, predictions: list[Prediction], when: datetime) -> list[ObservationIn]:
        """Take one frame's faces seen at ``when``; the observations now due (possibly none)."""
        if self.interval is None:
            return [ObservationIn.from_prediction(p, when) for p in predictions]
        due = [self._open.pop(t).observation() for t, s in list(self._open.items()) if when >= s.start + self.interval]
        for p in predictions:
            if p.track_id is None:
                due.append(ObservationIn.from_prediction(p, when))
                continue
            sample = self._open.get(p.track_id)
            if sample is not None and sample.person != p.person:
                due.append(self._open.pop(p.track_id).observation())
                sample = None
            if sample is None:
                sample = self._open[p.track_id] = _Sample(when, p.track_id, p.person, p.face.bbox.xyxy)
            sample.add(p)
        return due

    def drain(self) -> list[ObservationIn]:
        """Every open sample as an observation now (the session ends, or an export wants all so far)."""
        out = [sample.observation() for sample in self._open.values()]
        self._open.clear()
        return out
