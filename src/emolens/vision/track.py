"""Face tracking across frames: stable ids by box overlap, and per-track smoothing of probabilities."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from emolens.errors import ConfigError
from emolens.types import BBox
from emolens.vision.recognize import Match

__all__ = ["Track", "Tracker", "identify_tracks"]


@dataclass
class Track:
    """One face followed over frames: its id, last box, smoothed probabilities and person (no per-frame history:
    a face followed for hours costs the same memory as one seen once).

    ``person`` is set by recognition, which runs when a track starts and every so many hits after;
    ``identified_at_hit`` and ``gallery_version`` record when and against which gallery it last ran.
    """

    track_id: int
    bbox: BBox
    probabilities: np.ndarray
    missed: int = 0
    hits: int = 1
    person: str | None = None
    person_distance: float = float("inf")
    identified_at_hit: int | None = None
    gallery_version: int = -1


class Tracker:
    """Matches each frame's boxes to existing tracks (Hungarian matching on IoU) and smooths probabilities.

    ``smoothing`` in [0, 1) is the weight of the past in the exponential moving average: 0 disables it,
    0.6 settles a still face within a few frames, higher values react more slowly to real changes.
    ``max_missed`` frames without a match end a track; ``min_iou`` is the least overlap to match.
    """

    def __init__(self, smoothing: float = 0.6, min_iou: float = 0.3, max_missed: int = 10):
        if not 0 <= smoothing < 1:
            raise ConfigError(f"smoothing must be in [0, 1), got {smoothing}")
        self.smoothing = smoothing
        self.min_iou = min_iou
        self.max_missed = max_missed
        self.tracks: list[Track] = []
        self._next_id = 1

    def update(self, boxes: list[BBox], probabilities: np.ndarray) -> list[Track]:
        """Assign each box a track (in the order given) and return those tracks with smoothed probabilities."""
        assigned: list[Track | None] = [None] * len(boxes)
        if self.tracks and boxes:
            iou = np.array([[t.bbox.iou(b) for b in boxes] for t in self.tracks])
            rows, cols = linear_sum_assignment(-iou)
            for r, c in zip(rows, cols, strict=True):
                if iou[r, c] >= self.min_iou:
                    assigned[c] = self.tracks[r]
        matched_ids = {id(t) for t in assigned if t is not None}
        for existing in self.tracks:
            if id(existing) not in matched_ids:
                existing.missed += 1
        self.tracks = [t for t in self.tracks if t.missed <= self.max_missed]
        for i, box in enumerate(boxes):
            track = assigned[i]
            if track is None:
                track = Track(self._next_id, box, probabilities[i].copy())
                self._next_id += 1
                self.tracks.append(track)
            else:
                track.probabilities = self.smoothing * track.probabilities + (1 - self.smoothing) * probabilities[i]
                track.bbox, track.missed = box, 0
                track.hits += 1
            assigned[i] = track
        return [t for t in assigned if t is not None]

    def reset(self) -> None:
        """Forget every track; ids start again from 1."""
        self.tracks = []
        self._next_id = 1


def _due(track: Track, gallery_version: int | None, refresh_every: int) -> bool:
    if gallery_version is None or track.gallery_version != gallery_version or track.identified_at_hit is None:
        return True
    return track.hits - track.identified_at_hit >= refresh_every


def identify_tracks(
    tracks: list[Track],
    recognise: Callable[[list[int]], list[Match]],
    gallery_version: int | None,
    refresh_every: int,
) -> None:
    """Name the tracks that are new or due a refresh; a person keeps only their closest track.

    ``recognise`` gives the match of the faces at the given indices of ``tracks``; ``gallery_version`` is the
    gallery's version (None without a gallery: every track is due, and recognising costs nothing).
    """
    due = [i for i, t in enumerate(tracks) if _due(t, gallery_version, refresh_every)]
    if not due:
        return
    version = -1 if gallery_version is None else gallery_version
    for i, match in zip(due, recognise(due), strict=True):
        track = tracks[i]
        track.person, track.person_distance = match.person, match.distance
        track.identified_at_hit, track.gallery_version = track.hits, version
    for i in due:
        track = tracks[i]
        for rival in tracks:
            if rival is not track and track.person is not None and rival.person == track.person:
                loser = track if rival.person_distance <= track.person_distance else rival
                loser.person = None
