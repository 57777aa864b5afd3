from __future__ import annotations

import itertools
import tracemalloc

import numpy as np
import pytest

from emolens.types import BBox
from emolens.vision.track import Tracker


def test_ids_follow_moving_faces_and_new_faces_get_new_ids() -> None:
    tracker = Tracker(smoothing=0)
    probs = np.eye(7, dtype=np.float32)[[3, 5]]
    first = tracker.update([BBox(0, 0, 50, 50), BBox(200, 0, 250, 50)], probs)
    # the two faces swap places in the list and move a little; ids follow the faces, not the order
    second = tracker.update([BBox(205, 2, 255, 52), BBox(4, 2, 54, 52)], probs[::-1])
    assert [t.track_id for t in first] == [1, 2]
    assert [t.track_id for t in second] == [2, 1]
    third = tracker.update([BBox(500, 500, 550, 550)], probs[:1])
    assert third[0].track_id == 3


def test_tracks_end_after_max_missed_frames() -> None:
    tracker = Tracker(max_missed=2)
    probs = np.full((1, 7), 1 / 7, np.float32)
    tracker.update([BBox(0, 0, 10, 10)], probs)
    for _ in range(3):
        tracker.update([], probs[:0])
    assert tracker.tracks == []
    assert tracker.update([BBox(0, 0, 10, 10)], probs)[0].track_id == 2


def test_smoothing_stops_a_still_face_from_flickering() -> None:
    rng = np.random.default_rng(0)
    base = np.array([0.05, 0.0, 0.05, 0.45, 0.4, 0.05, 0.0])
    frames = [np.clip(base + rng.normal(0, 0.08, 7), 0, None) for _ in range(60)]
    frames = [f / f.sum() for f in frames]

    def label_changes(smoothing: float) -> int:
        tracker = Tracker(smoothing=smoothing)
        labels = [
            int(np.argmax(tracker.update([BBox(0, 0, 10, 10)], f[None].astype(np.float32))[0].probabilities))
            for f in frames
        ]
        return sum(a != b for a, b in itertools.pairwise(labels))

    assert label_changes(0.0) > 5
    assert label_changes(0.8) < label_changes(0.0) / 3


def test_smoothing_must_be_a_weight() -> None:
    with pytest.raises(ValueError, match="smoothing"):
        Tracker(smoothing=1.0)


def test_a_long_followed_face_keeps_memory_flat() -> None:
    """Hours of one tracked face (a kiosk, a long live session) must not grow the tracker's memory."""
    tracker, probs = Tracker(), np.eye(7, dtype=np.float32)[:1]
    for _ in range(1000):
        tracker.update([BBox(0, 0, 50, 50)], probs)
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        for _ in range(20_000):  # about 17 minutes at 20 FPS
            tracker.update([BBox(0, 0, 50, 50)], probs)
        grown = sum(d.size_diff for d in tracemalloc.take_snapshot().compare_to(before, "filename"))
    finally:
        tracemalloc.stop()
    assert grown < 100_000, f"the tracker grew by {grown} bytes over 20,000 frames"
