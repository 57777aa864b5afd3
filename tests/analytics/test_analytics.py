from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from emolens.analytics import (
    SCENARIOS,
    advice_for,
    confidence_score,
    dominant_emotion,
    emotion_counts,
    emotion_shares,
    faces_seen,
    parse_weights,
    timeline,
    trending_emotions,
)
from emolens.types import EMOTIONS

T0 = datetime(2025, 3, 1, tzinfo=UTC)


@dataclass
class Obs:
    timestamp: datetime
    emotion: str
    frames: int = 1


def _series(*emotions: str) -> list[Obs]:
    return [Obs(T0 + timedelta(seconds=i), e) for i, e in enumerate(emotions)]


def test_counts_cover_every_class_in_order() -> None:
    counts = emotion_counts(["sad", "happy", "sad", "bored"])
    assert list(counts)[:7] == [e.value for e in EMOTIONS]
    assert counts["sad"] == 2 and counts["happy"] == 1 and counts["angry"] == 0 and counts["bored"] == 1
    shares = emotion_shares(counts)
    assert shares["sad"] == 0.5 and sum(shares.values()) == pytest.approx(1.0)
    assert set(emotion_shares(emotion_counts([])).values()) == {0.0}


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({"happy": 10}, 100.0),
        ({"neutral": 3, "happy": 1}, 100.0),
        ({"angry": 4}, 0.0),
        ({"disgust": 2, "fear": 2}, 0.0),
        ({"sad": 4}, 25.0),
        ({"happy": 1, "angry": 1}, 50.0),
        ({"happy": 3, "sad": 1}, 81.2),
    ],
)
def test_confidence_score_default_weights(counts: dict[str, int], expected: float) -> None:
    assert confidence_score(counts) == expected


def test_confidence_score_custom_weights_and_edges() -> None:
    assert confidence_score({}) is None
    assert confidence_score({"happy": 0}) is None
    weights = {"happy": 1.0, "surprise": 1.0}
    assert confidence_score({"surprise": 2}, weights) == 100.0
    assert confidence_score({"sad": 2}, weights, other=-1.0) == 0.0
    assert parse_weights("happy=3, sad=-0.5") == {"happy": 3.0, "sad": -0.5}
    with pytest.raises(ValueError, match="emotion=number"):
        parse_weights("happy:3")


def test_dominant_and_trending() -> None:
    series = _series(*(["neutral"] * 7 + ["happy"] * 3))
    assert dominant_emotion(emotion_counts(o.emotion for o in series)) == "neutral"
    assert dominant_emotion(emotion_counts([])) is None
    trend = trending_emotions(series)
    assert [e for e, _ in trend] == ["happy"] and trend[0][1] == pytest.approx(1.0)
    assert trending_emotions(_series("happy", "sad")) == []


def test_samples_count_the_frames_they_stand_for() -> None:
    # 8 neutral frames in one sample, then 2 happy samples of 1 frame: by faces seen happy rose in the last 30%
    samples = [Obs(T0, "neutral", 8), Obs(T0 + timedelta(seconds=1), "happy"), Obs(T0 + timedelta(seconds=2), "happy")]
    assert faces_seen(samples)["neutral"] == 8 and faces_seen(samples)["happy"] == 2
    trend = trending_emotions(samples)
    assert [e for e, _ in trend] == ["happy"] and trend[0][1] == 0.6667
    assert [b["counts"]["neutral"] for b in timeline(samples, bucket_s=1)] == [8, 0, 0]
    # a sample straddling the cut counts on both sides: 10 frames, the last 3 are the recent part
    assert trending_emotions([Obs(T0, "sad", 10)]) == []


def test_timeline_buckets() -> None:
    buckets = timeline(_series("happy", "happy", "sad", "sad", "sad"), bucket_s=2)
    assert [b["counts"]["happy"] for b in buckets] == [2, 0, 0]
    assert [b["counts"]["sad"] for b in buckets] == [0, 2, 1]
    assert buckets[1]["start"] == (T0 + timedelta(seconds=2)).isoformat()
    assert timeline([]) == []


@pytest.mark.parametrize("scenario", list(SCENARIOS.values()))
@pytest.mark.parametrize("emotion", [e.value for e in EMOTIONS])
def test_every_scenario_and_emotion_has_its_own_tip(scenario: str, emotion: str) -> None:
    advice = advice_for(scenario, emotion)
    assert len(advice.tips) == 2 and advice.tips[0] != advice.tips[1]


def test_advice_differs_by_scenario_and_uses_trends() -> None:
    assert advice_for("Interview", "fear").tips[0] != advice_for("Exam", "fear").tips[0]
    custom = advice_for("Job fair", "happy", ["sad"])
    assert len(custom.tips) == 2 and "towards the end" in custom.tips[1]
    assert "No faces" in advice_for("Exam", None).tips[0]
