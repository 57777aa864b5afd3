"""Scene crops: real faces pasted into frames under random conditions, found by the detector, aligned, written
in the Kaggle layout and read back as extra training images."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from emolens.cli.main import cli
from emolens.data.facesets import load_faceset
from emolens.errors import DataLayoutError
from emolens.evaluation.scenes import BACKGROUNDS, SHIFTS
from emolens.training.scene_crops import SHIFT_RANGES, random_condition, scene_crops, write_scene_crops
from emolens.types import Emotion
from emolens.vision.detect import MediaPipeDetector


def test_random_conditions_cover_every_shift_within_their_ranges() -> None:
    drawn = [random_condition(np.random.default_rng([7, i])) for i in range(400)]
    assert {c.shift for c in drawn} == set(SHIFTS) and {c.background for c in drawn} == set(BACKGROUNDS)
    for c in drawn:
        low, high = SHIFT_RANGES[c.shift]
        value = np.log(c.amount) if c.shift == "gamma" else c.amount
        assert low - 0.5 <= value <= high + 0.5, c
        assert 48 <= c.face_px <= 200
    sizes = [c.face_px for c in drawn]
    assert min(sizes) < 70 and max(sizes) > 180
    assert random_condition(np.random.default_rng([7, 3])) == drawn[3]


def test_scene_crops_of_a_real_face_are_found_aligned_and_repeatable(analyzer, astronaut_face: np.ndarray) -> None:
    detector = MediaPipeDetector(tile_px=320, tiles="auto")
    faces = np.stack([astronaut_face, astronaut_face[:, ::-1]])
    made = scene_crops(faces, detector, per_face=3, seed=1)
    assert made.frames == 6 and made.crops.shape[1:] == (48, 48) and made.crops.dtype == np.uint8
    assert len(made.sources) >= 4 and set(made.sources.tolist()) == {0, 1}
    again = scene_crops(faces, detector, per_face=3, seed=1)
    assert np.array_equal(made.crops, again.crops)
    other = scene_crops(faces, detector, per_face=3, seed=2)
    assert not np.array_equal(made.crops[:1], other.crops[:1])
    # each crop is the astronaut's face again, aligned: the shipped model still reads it as happy
    happy = analyzer.labels.index(Emotion.HAPPY)
    assert (analyzer.classifier.predict_proba(made.crops).argmax(1) == happy).all()


def test_blank_faces_give_no_crops() -> None:
    made = scene_crops(np.full((2, 48, 48), 128, np.uint8), MediaPipeDetector(), per_face=2)
    assert made.frames == 4 and len(made.sources) == 0 and made.found_rate == 0.0


def test_written_crops_read_back_as_a_kaggle_split(astronaut_face: np.ndarray, tmp_path: Path) -> None:
    made = scene_crops(astronaut_face[None], MediaPipeDetector(tile_px=320, tiles="auto"), per_face=2, seed=0)
    happy = list(Emotion).index(Emotion.HAPPY)
    written = write_scene_crops(tmp_path, "val", made, np.array([happy]), ["test/happy/PublicTest_77.jpg"])
    assert written == len(made.sources) >= 1
    back = load_faceset(tmp_path, "val")
    assert len(back) == written and set(back.labels.tolist()) == {happy}
    assert all(Path(n).name.startswith("PublicTest_77-scene") for n in back.names)
    with pytest.raises(DataLayoutError, match="not 'all'"):
        write_scene_crops(tmp_path, "all", made, np.array([happy]), ["x.jpg"])


def test_cli_writes_crops_and_refuses_a_full_folder(fer_subset: Path, tmp_path: Path) -> None:
    out = tmp_path / "scenes"
    result = CliRunner().invoke(
        cli, ["data", "scene-crops", str(fer_subset), "--out", str(out), "--split", "val", "--limit", "12"]
    )
    assert result.exit_code == 0, result.output
    assert "of 12 faces x 1 frames" in result.output
    written = len(load_faceset(out, "val"))
    assert 4 <= written <= 12 and f"{written} crops" in result.output
    assert len(set(load_faceset(out, "val").labels.tolist())) >= 5, "--limit draws a class-balanced sample"
    again = CliRunner().invoke(cli, ["data", "scene-crops", str(fer_subset), "--out", str(out)])
    assert again.exit_code != 0 and "is not empty" in again.output


def test_cli_refuses_a_folder_without_faces_and_a_file(tmp_path: Path, astronaut_bgr: np.ndarray) -> None:
    (tmp_path / "empty").mkdir()
    photo = tmp_path / "photo.jpg"
    cv2.imwrite(str(photo), astronaut_bgr)
    for data in (tmp_path / "empty", photo):
        result = CliRunner().invoke(cli, ["data", "scene-crops", str(data), "--out", str(tmp_path / "out")])
        assert result.exit_code != 0 and "expected either the Kaggle FER2013 layout" in result.output, result.output
    assert not (tmp_path / "out").exists()
