"""LiveStats and FpsMeter: counts, shares, the recent window, the trend buckets, reset."""

from __future__ import annotations

import numpy as np
import pytest

from emolens.session.stats import FpsMeter, LiveStats
from emolens.types import EMOTIONS, BBox, Emotion, Face, Prediction


def pred(label: Emotion, confidence: float = 0.8) -> Prediction:
    face = Face(BBox(0, 0, 10, 10), np.zeros((6, 2)), 0.9)
    probs = {e: (confidence if e == label else (1 - confidence) / 6) for e in EMOTIONS}
    return Prediction(face, probs, label, confidence, "test", "0")


H, S, N = Emotion.HAPPY, Emotion.SAD, Emotion.NEUTRAL


@pytest.mark.parametrize(
    ("frames", "dominant", "happy_share", "observations"),
    [
        ([], None, 0.0, 0),
        ([[H]], H, 1.0, 1),
        ([[H, S], [S]], S, 1 / 3, 3),
        ([[H], [S]], H, 0.5, 2),  # a tie goes to the earlier label (happy before sad)
        ([[], []], None, 0.0, 0),
    ],
)
def test_counts_shares_and_dominant(
    frames: list[list[Emotion]], dominant: Emotion | None, happy_share: float, observations: int
) -> None:
    stats = LiveStats()
    for i, labels in enumerate(frames):
        stats.add(float(i), [pred(label) for label in labels])
    assert stats.frames == len(frames)
    assert stats.observations == observations
    assert stats.dominant() == dominant
    assert stats.shares()[H] == pytest.approx(happy_share)
    assert sum(stats.shares().values()) == pytest.approx(1.0 if observations else 0.0)


def test_recent_window_forgets_old_observations_and_buckets_by_time() -> None:
    stats = LiveStats(window_s=10)
    for t in range(20):  # happy for 12 s, then sad for 8 s, one face a second
        stats.add(float(t), [pred(H if t < 12 else S)])
    recent = stats.recent_counts()
    assert recent == {H: 2, S: 8}  # t = 10..19
    buckets = stats.trend_buckets(10)
    assert [sum(b.values()) for b in buckets] == [1] * 10
    assert buckets[0][H] == 1 and buckets[-1][S] == 1
    assert stats.trending() == S
    assert stats.counts[H] == 12  # the totals keep everything


def test_reset_clears_counts_and_window() -> None:
    stats = LiveStats()
    stats.add(0.0, [pred(H, 0.9), pred(N, 0.7)])
    assert stats.mean_confidence == pytest.approx(0.8)
    assert stats.max_faces == 2
    stats.reset()
    assert (stats.frames, stats.observations, stats.max_faces, stats.mean_confidence) == (0, 0, 0, None)
    assert stats.recent_counts() == {} and stats.trending() is None
    assert all(not b for b in stats.trend_buckets())


def test_window_must_be_positive() -> None:
    with pytest.raises(ValueError, match="window_s"):
        LiveStats(window_s=0)


def test_fps_meter_uses_a_moving_window_and_clears() -> None:
    meter = FpsMeter(span=10)
    assert meter.fps == 0.0
    for i in range(50):
        meter.tick(i * 0.04)  # 25 FPS
    assert meter.fps == pytest.approx(25.0)
    meter.clear()
    meter.tick(100.0)
    assert meter.fps == 0.0
