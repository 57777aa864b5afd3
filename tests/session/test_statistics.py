"""Statistics counted by the database equal the pure computation over every observation, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from emolens.analytics import (
    bucket_width_s,
    confidence_score,
    emotion_counts,
    emotion_shares,
    emotion_table,
    timeline,
)
from emolens.session.settings import UserSettings
from emolens.session.statistics import observation_stats
from emolens.storage import ObservationFilter, ObservationIn, ObservationRecord, Store
from emolens.types import EMOTIONS

T0 = datetime(2025, 3, 1, 11, 59, 58, 700_000, tzinfo=UTC)
PREFS = UserSettings(weights={"happy": 3.0, "neutral": 1.0, "sad": -1.0}, other_weight=-2.0)
NAMES = [e.value for e in EMOTIONS]


def _observations(rng: random.Random, start: datetime, seconds: float, n: int) -> list[ObservationIn]:
    """``n`` faces over ``seconds``, some on whole seconds (bucket edges), two tracks, Ada, Grace or nobody."""
    out = []
    for i in range(n):
        offset = rng.uniform(0, seconds) if i % 5 else float(rng.randrange(int(seconds)))
        when = start + timedelta(seconds=offset)
        emotion = rng.choice([*NAMES, "happy", "neutral", "neutral"])
        person = rng.choice(["Ada", "Grace", None])
        probs = {e: round(rng.random(), 5) for e in NAMES}
        out.append(ObservationIn(when, emotion, 0.5, probs, i % 2, person, (1.0, 2.0, 3.0, 4.0)))
    return out


@pytest.fixture()
def seeded(db_url: str) -> Iterator[tuple[Store, dict[str, str]]]:
    """Four sessions: two interviews (webcam), an exam (video, minutes later), a day-later meeting (upload)."""
    store, rng = Store(db_url), random.Random(12)
    plan = {
        "interview": ("Interview", "webcam", T0, 95.0, 220),
        "interview2": ("Interview", "webcam", T0 + timedelta(seconds=40), 30.0, 60),
        "exam": ("Exam", "video", T0 + timedelta(minutes=7), 600.0, 250),
        "meeting": ("Meeting", "upload", T0 + timedelta(days=1, hours=3), 5.0, 9),
    }
    ids = {}
    for key, (scenario, source, start, seconds, n) in plan.items():
        ids[key] = store.create_session(scenario, source, started_at=start).id
        store.add_observations(ids[key], _observations(rng, start, seconds, n))
    yield store, ids
    store.close()


def _reference(records: list[ObservationRecord]) -> dict[str, object]:
    """The statistics as the analytics page computed them before: in Python, over every observation."""
    counts = emotion_counts(o.emotion for o in records)
    people: dict[str | None, dict[str, int]] = {}
    scenarios: dict[str | None, dict[str, int]] = {}
    for key, groups in (("person", people), ("scenario", scenarios)):
        for name in {getattr(o, key) for o in records}:
            groups[name] = emotion_counts(o.emotion for o in records if getattr(o, key) == name)
    span = (max(o.timestamp for o in records) - min(o.timestamp for o in records)) if records else None
    return {
        "total": len(records),
        "counts": counts,
        "shares": emotion_shares(counts),
        "confidence_score": confidence_score(counts, PREFS.weights, PREFS.other_weight),
        "bucket_s": bucket_width_s(span.total_seconds()) if span is not None else None,
        "timeline": timeline(records),
        "by_person": emotion_table(people, PREFS.weights, PREFS.other_weight),
        "by_scenario": emotion_table(scenarios, PREFS.weights, PREFS.other_weight),
    }


FILTERS = {
    "everything": {},
    "one session": {"session_id": "interview"},
    "a scenario": {"scenario": "Interview"},
    "a source": {"source": "video"},
    "a person": {"person": "Ada"},
    "an emotion": {"emotion": "sad"},
    "a time range": {"since": T0 + timedelta(seconds=30), "until": T0 + timedelta(minutes=9)},
    "scenario and person": {"scenario": "Exam", "person": "Grace"},
    "nothing matches": {"person": "Nobody"},
}


@pytest.mark.parametrize("name", list(FILTERS))
def test_database_counts_equal_the_pure_computation(seeded: tuple[Store, dict[str, str]], name: str) -> None:
    store, ids = seeded
    given = dict(FILTERS[name])
    if "session_id" in given:
        given["session_id"] = ids[str(given["session_id"])]
    f = ObservationFilter(**given)  # type: ignore[arg-type]
    expected = _reference(store.query_observations(f))
    got = observation_stats(store, f, PREFS).model_dump()
    assert {k: got[k] for k in expected} == expected
    assert got["scenarios"] == ["Exam", "Interview", "Meeting"] and got["people"] == ["Ada", "Grace"]


def test_the_unfiltered_figures(seeded: tuple[Store, dict[str, str]]) -> None:
    store, _ = seeded
    got = observation_stats(store, ObservationFilter(), PREFS)
    assert got.total == 539 and got.bucket_s == 900  # 27 h in 120 or fewer buckets of a ladder width
    assert len(got.timeline) == 110 and got.timeline[0].start == "2025-03-01T11:45:00+00:00"  # on the quarter
    assert got.timeline[0].end == "2025-03-01T12:00:00+00:00" and got.timeline[1].total == 476
    assert sum(p.total for p in got.timeline) == 539 and got.timeline[5].total == 0  # gaps stay, as zeros
    assert [r.name for r in got.by_person] == ["Ada", "Grace", None]
    assert [(r.name, r.total) for r in got.by_scenario] == [("Exam", 250), ("Interview", 280), ("Meeting", 9)]
    exam = ObservationFilter(scenario="Exam")
    groups = store.counts.by_group(exam)
    assert sum(g.count for g in groups) == 250 and {g.scenario for g in groups} == {"Exam"}
    minutes = store.counts.by_bucket(exam, 60, range(29_013_840, 29_013_870), ["sad", "happy"])
    assert {c.emotion for c in minutes} == {"sad", "happy"} and len({c.bucket for c in minutes}) == 10
    assert sum(c.count for c in minutes) == sum(g.count for g in groups if g.emotion in ("sad", "happy"))


def test_bucket_widths_follow_the_span() -> None:
    assert [bucket_width_s(s) for s in (0, 119, 120, 200, 3 * 3600, 86400, 100 * 86400)] == [
        1,
        1,
        2,
        2,
        120,
        900,
        86400,
    ]
    assert bucket_width_s(365 * 86400) == 4 * 86400  # beyond 120 days: whole days, still <= 120 buckets
