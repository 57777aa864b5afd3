"""Enrolment into a real SQLite store and recognition from the gallery it holds."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
import pytest
from tests.conftest import side_by_side

from emolens import Analyzer
from emolens.errors import InvalidImageError
from emolens.session.people import enrol, load_gallery, photo_sha256
from emolens.storage import ObservationFilter, ObservationIn, Store


@pytest.fixture()
def store(tmp_path: Path):
    s = Store(f"sqlite:///{tmp_path / 'people.db'}")
    yield s
    s.close()


@pytest.fixture(scope="module")
def analyzer(tiny_model: Path) -> Analyzer:
    return Analyzer(model=tiny_model, small_faces="never")


def test_enrol_two_people_then_recognise_and_remove(store, analyzer, astronaut_bgr, hopper_bgr, tmp_path):
    photo = tmp_path / "hopper.jpg"
    cv2.imwrite(str(photo), hopper_bgr)
    enrol(store, analyzer, "Eileen", [astronaut_bgr, cv2.flip(astronaut_bgr, 1)])
    enrol(store, analyzer, "Grace", [photo])
    analyzer.gallery = load_gallery(store, analyzer.recognizer)
    frame = side_by_side(astronaut_bgr, hopper_bgr)
    predictions = sorted(analyzer.analyze(frame), key=lambda p: p.face.bbox.x1)
    assert [p.person for p in predictions] == ["Eileen", "Grace"]

    session = store.create_session("Online Class", "upload")
    store.add_observations(session.id, [ObservationIn.from_prediction(p, datetime.now(UTC)) for p in predictions])
    assert store.people.get("Eileen").observation_count == 1
    store.people.remove("Eileen")
    analyzer.gallery = load_gallery(store, analyzer.recognizer)
    predictions = sorted(analyzer.analyze(frame), key=lambda p: p.face.bbox.x1)
    assert [p.person for p in predictions] == [None, "Grace"]
    assert [o.person for o in store.query_observations(ObservationFilter(session_id=session.id))] == ["Grace"]


def test_a_photo_without_a_face_refuses_the_whole_enrolment(store, analyzer, astronaut_bgr):
    blank = np.full((240, 320, 3), 200, np.uint8)
    with pytest.raises(InvalidImageError, match=r"blank\.jpg: found no face"):
        enrol(store, analyzer, "Eileen", [astronaut_bgr, blank], labels=["eileen.jpg", "blank.jpg"])
    assert store.people.list() == []


def test_photo_hash_depends_on_content_only(tmp_path, astronaut_bgr):
    path = tmp_path / "a.png"
    cv2.imwrite(str(path), astronaut_bgr)
    assert photo_sha256(path) == photo_sha256(path.read_bytes())
    assert photo_sha256(astronaut_bgr) == photo_sha256(astronaut_bgr.copy())
    assert photo_sha256(astronaut_bgr) != photo_sha256(cv2.flip(astronaut_bgr, 1))
