"""Per-track samples through the real recorder into a real SQLite store: means, last box, frames, nothing lost."""

from __future__ import annotations

import csv
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from emolens.errors import ConfigError
from emolens.session import (
    ObservationRow,
    SessionRecorder,
    TrackSampler,
    UserSettings,
    save_user_settings,
    write_csv,
)
from emolens.storage import Store
from emolens.types import EMOTIONS, BBox, Emotion, Face, Prediction

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
FPS = 30


def face(label: Emotion, p: float, track_id: int | None, x: float = 0.0, person: str | None = None) -> Prediction:
    """A face at ``x`` whose ``label`` has probability ``p`` and the other six share the rest."""
    probs = {e: (p if e == label else (1 - p) / 6) for e in EMOTIONS}
    box = Face(BBox(x, 0, x + 10, 10), np.zeros((6, 2)), 0.9)
    return Prediction(box, probs, label, p, "test", "0", track_id=track_id, person=person)


def at(frame: int) -> datetime:
    return T0 + timedelta(seconds=frame / FPS)


def test_a_tracked_face_at_30_fps_stores_two_means_a_second(store: Store, tmp_path: Path) -> None:
    recorder = SessionRecorder.start(store, "Interview", samples_per_second=2)
    for i in range(60):  # 2 s: in each half second, 10 frames sad at 0.55 and 5 happy at 0.95
        label, p = (Emotion.HAPPY, 0.95) if i % 15 >= 10 else (Emotion.SAD, 0.55)
        recorder.add([face(label, p, track_id=7, x=float(i))], at(i))
    assert recorder.stored == 0 and recorder.sampler.open_tracks == 1
    recorder.close(tmp_path / "unsaved.csv")
    rows = store.query_observations()
    assert [r.frames for r in rows] == [15, 15, 15, 15]
    assert [r.timestamp for r in rows] == [at(0), at(15), at(30), at(45)]
    sad = round((10 * 0.55 + 5 * 0.05 / 6) / 15, 5)
    happy = round((5 * 0.95 + 10 * 0.45 / 6) / 15, 5)
    assert rows[0].probabilities["sad"] == sad and rows[0].probabilities["happy"] == happy
    assert rows[0].emotion == "sad" and rows[0].confidence == sad  # the mean's, not the majority of frames
    assert math.isclose(sum(rows[0].probabilities.values()), 1.0, abs_tol=1e-4)
    assert rows[0].bbox == (14.0, 0.0, 24.0, 10.0) and rows[-1].bbox == (59.0, 0.0, 69.0, 10.0)  # the last box
    assert {r.track_id for r in rows} == {7} and store.get_session(recorder.session_id).observation_count == 60


def test_every_frame_is_in_exactly_one_row(store: Store, tmp_path: Path) -> None:
    recorder = SessionRecorder.start(store, "Class", samples_per_second=2, batch=3)
    seen = 0
    for i in range(50):
        faces = [face(Emotion.HAPPY, 0.8, 1)] + ([face(Emotion.ANGRY, 0.7, 2, x=50)] if i < 20 else [])
        faces += [face(Emotion.NEUTRAL, 0.6, None, x=90)] if i % 10 == 0 else []  # an untracked face now and then
        recorder.add(faces, at(i))
        seen += len(faces)
    track_2 = [r for r in store.query_observations() if r.track_id == 2]
    assert sum(r.frames for r in track_2) == 20  # the track ended at frame 19: written one interval on, not at close
    recorder.close(tmp_path / "unsaved.csv")
    rows = store.query_observations()
    assert sum(r.frames for r in rows) == seen == 50 + 20 + 5
    untracked = [r for r in rows if r.track_id is None]
    assert [r.frames for r in untracked] == [1] * 5
    assert [r.timestamp for r in untracked] == [at(i) for i in range(0, 50, 10)]


def test_a_person_recognised_mid_interval_starts_a_new_sample(store: Store, tmp_path: Path) -> None:
    recorder = SessionRecorder.start(store, "Meeting", samples_per_second=1)
    for i in range(10):
        recorder.add([face(Emotion.HAPPY, 0.9, 3, person="Ada" if i >= 4 else None)], at(i))
    recorder.close(tmp_path / "unsaved.csv")
    assert [(r.person, r.frames) for r in store.query_observations()] == [(None, 4), ("Ada", 6)]


def test_zero_stores_every_frame_and_the_saved_setting_is_the_default(store: Store, tmp_path: Path) -> None:
    save_user_settings(store, UserSettings(samples_per_second=0))
    recorder = SessionRecorder.start(store, "Raw")
    assert recorder.sampler.samples_per_second == 0
    for i in range(6):
        recorder.add([face(Emotion.FEAR, 0.7, 1)], at(i))
    recorder.close(tmp_path / "unsaved.csv")
    rows = store.query_observations()
    assert [r.frames for r in rows] == [1] * 6 and rows[0].probabilities["fear"] == 0.7


def test_the_export_row_says_how_many_frames(store: Store, tmp_path: Path) -> None:
    recorder = SessionRecorder.start(store, "Export", samples_per_second=2)
    for i in range(20):
        recorder.add([face(Emotion.HAPPY, 0.9, 1)], at(i))
    rows = [ObservationRow.of_record(r) for r in recorder.observations()]  # open samples are written first
    write_csv(tmp_path / "out.csv", rows)
    with (tmp_path / "out.csv").open() as handle:
        table = list(csv.DictReader(handle))
    assert [t["frames"] for t in table] == ["15", "5"] and list(table[0])[-1] == "frames"
    assert float(table[0]["p_happy"]) == 0.9 and table[0]["timestamp"] == T0.isoformat()


@pytest.mark.parametrize("rate", [-1.0, 61.0, math.nan, math.inf])
def test_a_bad_rate_is_refused(rate: float) -> None:
    with pytest.raises(ConfigError, match=r"samples_per_second must lie in \[0, 60\]"):
        TrackSampler(rate)
    with pytest.raises(ValidationError, match="samples_per_second"):
        UserSettings.model_validate({"samples_per_second": rate})
