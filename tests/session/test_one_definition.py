"""The session layer's single definitions: trending, user settings, and the one row every export writes."""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from tests.session.test_stats import H, N, S, pred

from emolens.analytics import DEFAULT_WEIGHTS, confidence_score, trending_emotions
from emolens.session import (
    COLUMNS,
    ObservationRow,
    RunFacts,
    SessionRecorder,
    UserSettings,
    csv_lines,
    jsonl_lines,
    load_user_settings,
    save_user_settings,
    session_summary,
    summarize_run,
)
from emolens.session.stats import LiveStats
from emolens.storage import ObservationFilter, ObservationIn, Store

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)

SEQUENCES = {
    "happy-then-sad": [H] * 12 + [S] * 8,
    "sad-then-happy": [S] * 5 + [H] * 3,
    "steady": [H, S] * 10,
    "late-neutral": [H] * 30 + [N] * 2,
    "too-few": [H, S, S],
}


@pytest.mark.parametrize("labels", SEQUENCES.values(), ids=SEQUENCES.keys())
def test_the_live_panel_and_the_stored_summary_name_the_same_trend(labels: list) -> None:
    stats = LiveStats()
    observations = []
    for i, label in enumerate(labels):
        stats.add(float(i), [pred(label)])
        observations.append(ObservationIn(T0 + timedelta(seconds=i), label.value, 0.8))
    stored = trending_emotions(observations)
    live = stats.trending()
    assert (live.value if live else None) == (stored[0][0] if stored else None)


def test_defaults_are_one_set(store: Store) -> None:
    settings = load_user_settings(store)
    assert settings == UserSettings()
    assert settings.weights == DEFAULT_WEIGHTS and settings.crop_every_n_frames == 10 and settings.retention == 5


@pytest.mark.parametrize(
    "bad",
    [
        {"weights": {"happy": math.nan}},
        {"weights": {"happy": math.inf}},
        {"weights": {"joy": 1.0}},
        {"other_weight": 101.0},
        {"crop_every_n_frames": 0},
        {"retention": 0},
    ],
    ids=["nan", "inf", "unknown-emotion", "weight-too-big", "crops-every-0", "retention-0"],
)
def test_bad_values_are_refused(bad: dict) -> None:
    with pytest.raises(ValidationError):
        UserSettings.model_validate(bad)


def test_a_bad_saved_value_spoils_only_itself(store: Store) -> None:
    store.set_setting("user", {"weights": "not a table", "crop_every_n_frames": 3, "retention": -1, "old": 1})
    assert load_user_settings(store) == UserSettings(crop_every_n_frames=3)
    save_user_settings(store, UserSettings(retention=None, save_face_crops=True))
    assert load_user_settings(store).retention is None and load_user_settings(store).save_face_crops


def test_stored_and_video_rows_share_the_columns(store: Store) -> None:
    recorder = SessionRecorder.start(store, "=HYPERLINK(1)", batch=1)
    recorder.add([pred(H)], T0)
    stored = [ObservationRow.of_record(o) for o in store.query_observations(ObservationFilter())]
    table = list(csv.DictReader(io.StringIO("".join(csv_lines(stored)))))
    assert list(table[0]) == list(COLUMNS) and table[0]["scenario"] == "'=HYPERLINK(1)"
    assert table[0]["emotion"] == "happy" and table[0]["timestamp"] == T0.isoformat() and table[0]["frame"] == ""
    line = json.loads(next(jsonl_lines(stored)))
    assert list(line) == list(COLUMNS) and line["scenario"] == "=HYPERLINK(1)" and line["frame"] is None


def test_a_live_run_and_its_stored_session_have_the_same_summary(store: Store, tmp_path) -> None:
    labels = [H] * 12 + [S] * 8
    predictions = [
        replace(pred(label, 0.5 + i / 40), person="Ada" if i % 3 == 0 else None) for i, label in enumerate(labels)
    ]
    stats = LiveStats()
    recorder = SessionRecorder.start(store, "Interview", source="desktop", batch=5)
    for i, p in enumerate(predictions):
        stats.add(float(i), [p])
        recorder.add([p], T0 + timedelta(seconds=i))
    record = recorder.close(tmp_path / "unsaved.csv")
    prefs = UserSettings(weights={"happy": 3.0, "sad": -1.0}, other_weight=0.0)
    run = RunFacts(frames=20, observations=20, max_faces=1, fps_mean=10.0, duration_s=2.0, resets=0, database="x")
    live = summarize_run(stats, record, run, prefs.weights, prefs.other_weight)
    stored = session_summary(store, record.id, prefs)
    assert live.model_dump(exclude={"run", "timeline"}) == stored.model_dump(exclude={"run", "timeline"})
    assert live.counts == {"angry": 0, "disgust": 0, "fear": 0, "happy": 12, "neutral": 0, "sad": 8, "surprise": 0}
    assert live.trending == [("sad", 0.8571)] and live.dominant == "happy"
    assert live.person_counts == {"Ada": {"happy": 4, "sad": 3}} and live.mean_confidence == 0.7375
    assert live.confidence_score == confidence_score(live.counts, prefs.weights, 0.0)
    assert live.run == run and stored.run is None and len(stored.timeline) == 20 and live.timeline == []
