"""The `emolens` commands, run in-process with click's runner and once as a real console script."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner
from tests.conftest import face_grid

from emolens.cli.main import cli
from emolens.session import COLUMNS
from emolens.storage.facefiles import person_tag


@pytest.fixture()
def photo(tmp_path: Path, astronaut_bgr: np.ndarray) -> Path:
    path = tmp_path / "photo.jpg"
    cv2.imwrite(str(path), astronaut_bgr)
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_predict_json_and_annotated_output(tmp_path: Path, photo: Path, tiny_model: Path) -> None:
    out = tmp_path / "annotated.jpg"
    code, stdout, _ = run("predict", str(photo), "--json", "--out", str(out), "--model", str(tiny_model))
    assert code == 0
    payload = json.loads(stdout)
    faces = payload["images"][0]["faces"]
    assert len(faces) == 1 and faces[0]["label"] == "happy"
    assert payload["model"] == tiny_model.stem
    annotated = cv2.imread(str(out))
    assert annotated.shape == (512, 512, 3)
    assert np.abs(annotated.astype(int) - cv2.imread(str(photo)).astype(int)).sum() > 0  # something was drawn


def test_predict_reports_bad_images_and_keeps_going(tmp_path: Path, photo: Path, tiny_model: Path) -> None:
    bad = tmp_path / "notes.jpg"
    bad.write_text("hello")
    code, stdout, _ = run("predict", str(photo), str(bad), "--json", "--model", str(tiny_model))
    assert code == 1
    images = json.loads(stdout)["images"]
    assert [f["label"] for f in images[0]["faces"]] == ["happy"] and "not an image" in images[1]["error"]
    code, _, stderr = run("predict", str(bad))
    assert code == 2 and "not an image" in stderr and "Traceback" not in stderr


def test_predict_scans_tiles_for_a_group_of_small_faces(tmp_path: Path, astronaut_bgr: np.ndarray) -> None:
    group = tmp_path / "group.png"
    cv2.imwrite(str(group), face_grid(astronaut_bgr, 4, 3, tile_px=160))  # 640x480, faces ~30 px wide
    found = {}
    for mode in ("auto", "never"):
        code, stdout, _ = run("predict", str(group), "--json", "--small-faces", mode)
        assert code == 0
        found[mode] = len(json.loads(stdout)["images"][0]["faces"])
    assert found["auto"] == 12 and found["never"] < 12


def test_video_writes_csv_jsonl_and_annotated_video(tmp_path: Path, moving_face_video: Path, tiny_model: Path) -> None:
    table, lines, out = tmp_path / "frames.csv", tmp_path / "frames.jsonl", tmp_path / "out.avi"
    model = ("--model", str(tiny_model))
    assert run("video", str(moving_face_video), "--csv", str(table), "--out", str(out), *model)[0] == 0
    rows = list(csv.DictReader(table.open()))
    assert len(rows) == 20 and {r["track_id"] for r in rows} == {"1"}
    assert {r["emotion"] for r in rows} == {"happy"} and list(rows[0]) == list(COLUMNS)
    assert float(rows[0]["p_happy"]) == float(rows[0]["confidence"]) > 0.5
    capture = cv2.VideoCapture(str(out))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 20
    assert run("video", str(moving_face_video), "--jsonl", str(lines), "--every", "4", *model)[0] == 0
    faces = [json.loads(line) for line in lines.read_text().splitlines()]
    assert [f["frame"] for f in faces] == [0, 4, 8, 12, 16]
    assert faces[0]["track_id"] == 1 and list(faces[0]) == list(COLUMNS)


def test_video_bad_sources(tmp_path: Path) -> None:
    code, _, stderr = run("video", str(tmp_path / "missing.mp4"))
    assert code == 2 and "does not exist" in stderr
    code, _, stderr = run("video", "x.mp4", "--csv", "a.csv", "--jsonl", "b.jsonl")
    assert code == 2 and "one of --csv and --jsonl" in stderr


def _class_tree(root: Path, astronaut_bgr: np.ndarray) -> Path:
    """Crops of the astronaut's face in folders with synonym names, one class left without images."""
    from emolens.vision.align import align_faces
    from emolens.vision.detect import MediaPipeDetector

    face = align_faces(astronaut_bgr, MediaPipeDetector().detect(astronaut_bgr), 96)[0]
    for folder, count in {"Happiness": 6, "sadness": 3, "Surprised": 2, "neutral": 0, "bored": 2}.items():
        (root / folder).mkdir(parents=True)
        for i in range(count):
            shifted = np.clip(face.astype(int) + 6 * i, 0, 255).astype(np.uint8)
            cv2.imwrite(str(root / folder / f"{i}.png"), cv2.resize(shifted, (96 + 8 * i, 96 + 8 * i)))
    return root


def test_evaluate_on_class_folders(tmp_path: Path, astronaut_bgr: np.ndarray, tiny_model: Path) -> None:
    data = _class_tree(tmp_path / "data", astronaut_bgr)
    (data / "sadness" / "broken.png").write_bytes(b"\x89PNG broken")
    code, stdout, _ = run("evaluate", "--data", str(data), "--json", "--model", str(tiny_model))
    assert code == 0
    result = json.loads(stdout)
    assert result["images"] == 11
    # the tiny model calls every face happy: 6 of 11 right; F1 of happy 12/17, of sad and surprise 0
    assert result["accuracy"] == pytest.approx(6 / 11) and result["macro_f1"] == pytest.approx(12 / 17 / 3)
    assert result["per_class"]["happy"] == {
        "precision": pytest.approx(6 / 11),
        "recall": 1.0,
        "f1": pytest.approx(12 / 17),
        "support": 6,
    }
    assert result["confusion"]["counts"][5] == [0, 0, 0, 3, 0, 0, 0]  # the three sad faces, called happy
    assert "neutral" in result["classes_without_images"]
    assert len(result["unreadable"]) == 1
    code, stdout, _ = run("evaluate", "--data", str(data), "--model", str(tiny_model))
    assert code == 0 and "no images of 'neutral'" in stdout


def test_evaluate_refuses_a_wrong_layout(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "a.jpg").write_bytes(b"")
    code, _, stderr = run("evaluate", "--data", str(tmp_path))
    assert code == 2 and "expected either the Kaggle FER2013 layout" in stderr


@pytest.mark.fer2013
def test_evaluate_reads_fer2013s_privatetest(fer_subset: Path, tiny_model: Path) -> None:
    """The command on FER2013's layout; the shipped model's figures: tests/models/test_shipped_model.py."""
    code, stdout, _ = run(
        "evaluate", "--data", str(fer_subset), "--split", "test", "--json", "--model", str(tiny_model)
    )
    assert code == 0
    result = json.loads(stdout)
    # 8 PrivateTest images per class, all called happy by the tiny model: F1 of happy 0.25, of the others 0
    assert result["images"] == 56 and result["accuracy"] == pytest.approx(1 / 7)
    assert result["per_class"]["happy"]["recall"] == 1.0 and result["macro_f1"] == pytest.approx(0.25 / 7)
    assert [row[3] for row in result["confusion"]["counts"]] == [8] * 7


def test_bench_reports_every_figure(tmp_path: Path) -> None:
    code, stdout, _ = run("bench", "--repeat", "5", "--json")
    assert code == 0
    result = json.loads(stdout)
    assert set(result["classifier"]) == {"batch_1", "batch_64"}
    for row in result["classifier"].values():
        assert row["faces_per_s"] == pytest.approx(1000 / row["ms_per_face"])
    assert set(result["pipeline"]) == {"1 face", "4 faces"}
    assert result["pipeline"]["1 face"]["faces_found_stream"] == 1
    assert result["pipeline"]["4 faces"]["faces_found_still"] == 4


def test_bench_refuses_a_frames_folder_without_the_frames(tmp_path: Path) -> None:
    code, _, stderr = run("bench", "--repeat", "5", "--frames", str(tmp_path))
    assert code == 2 and "lacks the benchmark frame(s) astronaut_640x480.png, astronaut4_640x480.png" in stderr


def test_console_script_runs(photo: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "emolens", "predict", str(photo)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "face 1" in done.stdout and "happy" in done.stdout


def test_video_small_faces_finds_every_face_of_a_group(tmp_path: Path, astronaut_bgr: np.ndarray) -> None:
    from tests.conftest import face_grid, write_video

    group = write_video(tmp_path / "group.avi", [face_grid(astronaut_bgr, 4, 3, tile_px=160)] * 3)
    counts = {}
    for flag in ([], ["--small-faces"]):
        lines = tmp_path / f"faces{len(flag)}.jsonl"
        assert run("video", str(group), "--jsonl", str(lines), *flag)[0] == 0
        frames = Counter(json.loads(x)["frame"] for x in lines.read_text().splitlines())
        counts[bool(flag)] = [frames[i] for i in range(3)]
    assert counts[True] == [12, 12, 12]
    assert max(counts[False]) < 12


def test_people_add_list_predict_remove(
    tmp_path: Path, photo: Path, hopper_bgr: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EMOLENS_DATA_DIR", str(tmp_path / "data"))
    crops = tmp_path / "data" / "face_crops" / "a-session" / "happy"
    crops.mkdir(parents=True)
    for name in ("Eileen", "Grace"):
        (crops / f"happy_97.0_20240223_143012_123456_t1_p{person_tag(name)}.jpg").write_bytes(b"\xff\xd8")
    db = str(tmp_path / "people.db")
    hopper, blank = tmp_path / "hopper.jpg", tmp_path / "blank.jpg"
    cv2.imwrite(str(hopper), hopper_bgr)
    cv2.imwrite(str(blank), np.full((200, 200, 3), 255, np.uint8))
    code, _, stderr = run("people", "add", "Grace", str(hopper), str(blank), "--db", db)
    assert code == 2 and "blank.jpg: found no face" in stderr
    assert run("people", "add", "Eileen", str(photo), "--db", db)[0] == 0
    assert run("people", "add", "Grace", str(hopper), "--db", db)[0] == 0
    code, stdout, _ = run("people", "list", "--json", "--db", db)
    assert [(p["name"], p["embedding_count"]) for p in json.loads(stdout)] == [("Eileen", 1), ("Grace", 1)]
    code, stdout, _ = run("predict", str(photo), str(hopper), "--json", "--db", db)
    named = [face["person"] for image in json.loads(stdout)["images"] for face in image["faces"]]
    assert code == 0 and named == ["Eileen", "Grace"]
    code, stdout, _ = run("people", "remove", "Eileen", "--yes", "--db", db)
    assert code == 0 and "1 face crop(s)" in stdout
    assert [p.name for p in crops.iterdir()] == [f"happy_97.0_20240223_143012_123456_t1_p{person_tag('Grace')}.jpg"]
    code, stdout, _ = run("predict", str(photo), "--json", "--db", db)
    assert json.loads(stdout)["images"][0]["faces"][0]["person"] is None
    code, _, stderr = run("people", "remove", "Eileen", "--yes", "--db", db)
    assert code == 2 and "nobody named 'Eileen'" in stderr


def test_predict_names_a_missing_database_as_a_bad_db_option(tmp_path: Path, photo: Path) -> None:
    missing = tmp_path / "nobody.db"
    code, _, stderr = run("predict", str(photo), "--db", str(missing))
    assert code == 2 and "Invalid value for --db" in stderr and "Traceback" not in stderr
    assert f"no database at sqlite:///{missing.resolve()}" in stderr and not missing.exists()
    assert run("predict", str(photo), "--db", str(missing), "--no-people")[0] == 0
