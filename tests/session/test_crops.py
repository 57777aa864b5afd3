"""Face crops: one folder per emotion, names carrying emotion, confidence and time, one frame in N."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
import pytest
from tests.conftest import face_grid

from emolens.session import FaceCropSaver
from emolens.storage.facefiles import crop_name

NAME = re.compile(r"^(?P<emotion>[a-z]+)_(?P<conf>\d+\.\d)_(?P<stamp>\d{8}_\d{6}_\d{6})_t(?P<track>\d+)\.jpg$")


def test_saves_every_nth_frame_into_emotion_folders(tmp_path: Path, tiny_analyzer, astronaut_bgr: np.ndarray) -> None:
    image = face_grid(astronaut_bgr, 2, 1)  # two faces
    tracker = tiny_analyzer.new_tracker()
    from emolens.vision.io import Frame

    predictions = tiny_analyzer.analyze_frame(Frame(0, 0.0, image), tracker).predictions
    assert len(predictions) == 2
    saver = FaceCropSaver(tmp_path / "faces", every=3)
    when = datetime(2024, 2, 23, 14, 30, 12, 123456, tzinfo=UTC)
    saved = [saver.offer(image, predictions, when) for _ in range(7)]
    assert [len(paths) for paths in saved] == [2, 0, 0, 2, 0, 0, 2]  # frames 1, 4 and 7
    assert saver.saved == 6
    for path in saved[0]:
        match = NAME.match(path.name)
        assert match, path.name
        pred = next(p for p in predictions if p.track_id == int(match["track"]))
        assert path.parent.name == match["emotion"] == pred.label.value
        assert float(match["conf"]) == pytest.approx(pred.confidence * 100, abs=0.05)
        assert match["stamp"] == "20240223_143012_123456"
        crop = cv2.imread(str(path))
        assert crop is not None and crop.shape[0] >= pred.face.bbox.height


def test_crop_name_without_track(tiny_analyzer, astronaut_bgr: np.ndarray) -> None:
    pred = tiny_analyzer.analyze(astronaut_bgr)[0]
    name = crop_name(pred, datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=UTC))
    assert name == f"{pred.label.value}_{pred.confidence * 100:.1f}_20240102_030405_000006.jpg"


def test_every_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="every"):
        FaceCropSaver(tmp_path, every=0)
