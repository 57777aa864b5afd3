"""Face crops on disk: filed by session, tagged by person, removed with what they belong to and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from emolens.storage.facefiles import (
    crop_name,
    person_tag,
    remove_all_crops,
    remove_person_crops,
    remove_session_crops,
    session_folder,
)
from emolens.types import BBox, Emotion, Face, Prediction

WHEN = datetime(2024, 2, 23, 14, 30, 12, 123456, tzinfo=UTC)


def _prediction(person: str | None) -> Prediction:
    face = Face(BBox(0, 0, 10, 10), np.zeros((6, 2), np.float32), 0.9)
    probabilities = {e: 0.973 if e is Emotion.HAPPY else 0.0 for e in Emotion}
    return Prediction(face, probabilities, Emotion.HAPPY, 0.973, "m", "1", track_id=1, person=person)


def _crop(folder: Path, person: str | None = None) -> Path:
    path = folder / "happy" / crop_name(_prediction(person), WHEN)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xd8")
    return path


def test_names_carry_emotion_confidence_time_track_and_person() -> None:
    assert crop_name(_prediction(None), WHEN) == "happy_97.3_20240223_143012_123456_t1.jpg"
    named = crop_name(_prediction("José #2"), WHEN)
    assert named.startswith("happy_97.3_20240223_143012_123456_t1_pjose-2-") and named.endswith(".jpg")


def test_person_tags_are_file_safe_and_tell_look_alike_names_apart() -> None:
    tags = {person_tag(n) for n in ("José", "Jose", "jose", "../..", "李小龙")}
    assert len(tags) == 5 and all(t.replace("-", "").isalnum() and t.isascii() for t in tags)


@pytest.mark.parametrize("session_id", ["", ".", "..", "../x", "a/b", "a\\b", "/abs"])
def test_session_folders_stay_inside_their_root(tmp_path: Path, session_id: str) -> None:
    with pytest.raises(ValueError, match="plain folder name"):
        session_folder(tmp_path, session_id)
    outside = _crop(tmp_path / "outside")
    assert remove_session_crops(tmp_path / "data", [session_id]) == 0 and outside.exists()


def test_removal_takes_only_what_belongs_to_the_deleted(tmp_path: Path) -> None:
    crops, saved = tmp_path / "face_crops", tmp_path / "saved_faces"
    ada_1, other_1 = _crop(session_folder(crops, "s1"), "Ada"), _crop(session_folder(crops, "s1"), "Adam")
    ada_2, kiosk = _crop(session_folder(saved, "s2"), "Ada"), _crop(session_folder(saved, "s3"))
    assert remove_person_crops(tmp_path, "Ada") == 2
    assert not ada_1.exists() and not ada_2.exists() and other_1.exists() and kiosk.exists()
    assert remove_session_crops(tmp_path, ["s3", "never-had-crops"]) == 1 and not (saved / "s3").exists()
    assert other_1.exists()
    assert remove_all_crops(tmp_path) == 1 and not crops.exists() and not saved.exists()
