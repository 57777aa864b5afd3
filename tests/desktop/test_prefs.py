"""The viewer follows the web app's saved settings (weights, face crops) unless a flag overrides them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tests.desktop.conftest import face_video

from emolens.analytics import DEFAULT_WEIGHTS, OTHER_WEIGHT, confidence_score
from emolens.desktop import LiveOptions, run_live
from emolens.desktop.prefs import with_saved_settings
from emolens.storage import Store

SAVED = {
    "retention": 5,
    "save_face_crops": True,
    "crop_every_n_frames": 5,
    "weights": {"happy": 1.0, "surprise": 3.0},
    "other_weight": 0.0,
}


def test_a_run_uses_the_saved_weights_and_crop_setting(
    tmp_path: Path, db_file: Path, store: Store, tiny_analyzer, astronaut_bgr: np.ndarray
) -> None:
    store.set_setting("user", SAVED)
    video = face_video(tmp_path / "v.avi", astronaut_bgr, 10)
    options = LiveOptions(scenario="Exam", out_dir=tmp_path / "out", window=False)
    summary = run_live(str(video), options, db=str(db_file), analyzer=tiny_analyzer, data_folder=tmp_path / "data")
    assert summary.run is not None and summary.run.observations == 10
    expected = confidence_score(summary.counts, SAVED["weights"], 0.0)
    assert summary.confidence_score == expected != confidence_score(summary.counts)
    # in the data folder, by session, where the web app's deletions find them
    crops = sorted((tmp_path / "data" / "face_crops" / summary.session.id).rglob("*.jpg"))
    assert len(crops) == 2 and summary.run.files["face crops"] == [str(p) for p in crops]  # frames 1 and 6


def test_flags_override_the_saved_settings(tmp_path: Path, store: Store) -> None:
    store.set_setting("user", SAVED)
    given = LiveOptions(out_dir=tmp_path, weights={"happy": 2.0}, save_faces=tmp_path / "mine", save_every=3)
    assert with_saved_settings(given, store) == given
    store.set_setting("user", {**SAVED, "save_face_crops": False})
    plain = with_saved_settings(LiveOptions(out_dir=tmp_path), store)
    assert plain.save_faces is None and plain.weights == SAVED["weights"] and plain.other_weight == 0.0


def test_nothing_saved_keeps_the_defaults(tmp_path: Path, store: Store) -> None:
    options = with_saved_settings(LiveOptions(out_dir=tmp_path), store)
    assert options == LiveOptions(out_dir=tmp_path, save_every=10, weights=DEFAULT_WEIGHTS, other_weight=OTHER_WEIGHT)
    store.set_setting("user", {"weights": "not a table", "crop_every_n_frames": 0})
    assert with_saved_settings(LiveOptions(out_dir=tmp_path), store) == options
