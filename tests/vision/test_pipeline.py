"""The Analyzer end to end on real faces: the first test with the shipped model, the rest with the tiny test
model (tests/tiny_model.py), which calls every real face "happy"."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from emolens import Analyzer, Emotion
from emolens.errors import InvalidImageError, ModelLoadError
from emolens.vision.classify import DEFAULT_MODEL


def test_three_lines_find_the_smiling_astronaut(tmp_path: Path, astronaut_bgr: np.ndarray) -> None:
    path = tmp_path / "photo.jpg"
    cv2.imwrite(str(path), astronaut_bgr)
    faces = Analyzer().analyze(str(path))
    assert len(faces) == 1
    face = faces[0]
    assert face.label == Emotion.HAPPY and face.confidence > 0.5
    assert sum(face.probabilities.values()) == pytest.approx(1, abs=1e-4)
    assert face.confidence == max(face.probabilities.values())
    assert face.model == DEFAULT_MODEL and face.model_version
    assert face.to_dict()["label"] == "happy"


def test_every_input_form_gives_the_same_face(tiny_analyzer: Analyzer, astronaut_bgr: np.ndarray) -> None:
    _ok, png = cv2.imencode(".png", astronaut_bgr)
    gray = cv2.cvtColor(astronaut_bgr, cv2.COLOR_BGR2GRAY)
    rgba = cv2.cvtColor(astronaut_bgr, cv2.COLOR_BGR2BGRA)
    results = [tiny_analyzer.analyze(x) for x in (astronaut_bgr, png.tobytes(), gray, rgba)]
    assert [len(r) for r in results] == [1, 1, 1, 1]
    centers = np.array([r[0].face.bbox.center for r in results])
    assert np.abs(centers - centers[0]).max() < 3


def test_no_faces_is_an_empty_result(tiny_analyzer: Analyzer) -> None:
    assert tiny_analyzer.analyze(np.full((480, 640, 3), 200, np.uint8)) == []


def test_ten_faces_each_get_a_prediction(tiny_analyzer: Analyzer, astronaut_bgr: np.ndarray) -> None:
    from tests.conftest import face_grid

    faces = tiny_analyzer.analyze(face_grid(astronaut_bgr, 5, 2))
    assert len(faces) == 10
    assert [f.label for f in faces] == [Emotion.HAPPY] * 10
    areas = [f.face.bbox.area for f in faces]
    assert areas == sorted(areas, reverse=True)


def test_stream_keeps_one_track_for_one_moving_face(tiny_analyzer: Analyzer, moving_face_video: Path) -> None:
    results = list(tiny_analyzer.analyze_stream(moving_face_video))
    assert len(results) == 20
    ids = {p.track_id for r in results for p in r.predictions}
    assert ids == {1}
    assert all(len(r.predictions) == 1 for r in results)
    assert results[-1].predictions[0].label == Emotion.HAPPY


def test_folder_analysis_skips_unreadable_files(
    tiny_analyzer: Analyzer, tmp_path: Path, astronaut_bgr: np.ndarray
) -> None:
    cv2.imwrite(str(tmp_path / "a.jpg"), astronaut_bgr)
    (tmp_path / "b.jpg").write_text("not an image")
    results = dict(tiny_analyzer.analyze_folder(tmp_path))
    assert list(results) == [tmp_path / "a.jpg"]
    with pytest.raises(InvalidImageError):
        tiny_analyzer.analyze(tmp_path / "b.jpg")


def test_a_model_without_its_card_is_refused(tmp_path: Path, tiny_model: Path) -> None:
    lonely = tmp_path / "model.onnx"
    lonely.write_bytes(tiny_model.read_bytes())
    with pytest.raises(ModelLoadError, match="card"):
        Analyzer(model=lonely)
    with pytest.raises(ModelLoadError, match="does not exist"):
        Analyzer(model=tmp_path / "missing.onnx")
