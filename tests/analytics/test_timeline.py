"""Timelines and tables over counts: bucket widths that follow the span, buckets aligned to the clock, gaps kept."""

from __future__ import annotations

from datetime import UTC, datetime

from emolens.analytics import bucket_of, emotion_table, timeline_of_counts


def test_buckets_are_aligned_to_the_clock() -> None:
    assert bucket_of(datetime(2025, 3, 1, 12, 7, 59, 999_999, tzinfo=UTC), 300) * 300 % 3600 == 300  # 12:05
    assert bucket_of(datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC), 60) == -1


def test_a_timeline_keeps_empty_buckets_and_gives_shares() -> None:
    points = timeline_of_counts({10: {"happy": 3, "sad": 1}, 12: {"surprise": 2}}, 60)
    assert [p["start"] for p in points] == [
        "1970-01-01T00:10:00+00:00",
        "1970-01-01T00:11:00+00:00",
        "1970-01-01T00:12:00+00:00",
    ]
    assert [p["total"] for p in points] == [4, 0, 2] and points[1]["shares"]["happy"] == 0.0
    assert points[0]["shares"] == {
        "angry": 0.0,
        "disgust": 0.0,
        "fear": 0.0,
        "happy": 0.75,
        "neutral": 0.0,
        "sad": 0.25,
        "surprise": 0.0,
    }
    assert points[2]["end"] == "1970-01-01T00:13:00+00:00" and timeline_of_counts({}, 60) == []


def test_a_table_lists_groups_by_name_with_nobody_last() -> None:
    rows = emotion_table({None: {"happy": 1}, "Grace": {"sad": 2}, "Ada": {"angry": 1, "happy": 3}})
    assert [r["name"] for r in rows] == ["Ada", "Grace", None]
    assert [r["total"] for r in rows] == [4, 2, 1] and [r["confidence_score"] for r in rows] == [75.0, 25.0, 100.0]
    assert rows[0]["shares"]["happy"] == 0.75  # type: ignore[index]
