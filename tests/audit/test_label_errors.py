"""Candidate label errors: near duplicates that outvote a label (generated data), and the served model's
confident disagreements (a FER2013 subset with a planted mislabelled crop at the top of the list)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner
from tests.conftest import synthetic_face, write_kaggle_tree

from emolens.audit import AuditConfig, find_label_errors, run_audit
from emolens.audit.labels import ModelScores, duplicate_votes
from emolens.cli.main import cli
from emolens.data.facesets import FaceSet
from emolens.types import EMOTIONS, Emotion
from emolens.vision.classify import OnnxClassifier


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_duplicate_votes_outvote_ties_and_majorities() -> None:
    groups = np.array([0, 0, 0, 1, 1, 2, 3, 3, 3, 3])
    labels = np.array([3, 3, 5, 0, 2, 4, 1, 1, 6, 6])
    other, votes, sizes = duplicate_votes(groups, labels)
    assert other.tolist() == [-1, -1, 3, 2, 0, -1, 6, 6, 1, 1]
    assert votes.tolist() == [0, 0, 2, 1, 1, 0, 2, 2, 2, 2] and sizes.tolist() == [3, 3, 3, 2, 2, 1, 4, 4, 4, 4]


def test_scores_join_both_signals_and_rank_by_probability_then_margin() -> None:
    faces = FaceSet(
        np.zeros((4, 48, 48), np.uint8), np.array([0, 0, 3, 4]), np.array(["train"] * 4), list("abcd"), "kaggle"
    )
    p = np.full((4, 7), 0.001, np.float32)
    p[0, 3], p[1, 3], p[2, 3], p[3, 5] = 0.95, 0.95, 0.99, 0.93
    p[0, 0], p[1, 0] = 0.04, 0.01
    scores = ModelScores("m", tuple(Emotion), p, faces.labels, 1.0)
    found = find_label_errors(faces, np.array([0, 1, 2, 2]), scores, threshold=0.9)
    assert [c.image for c in found.model_disagreements] == [1, 0, 3]  # equal p: the larger margin first
    top = found.candidates[0]
    assert top.image == 3 and top.suggested == Emotion.SAD and top.duplicate_label == Emotion.HAPPY
    assert top.score == pytest.approx(1 - 0.001 * 0.5, abs=1e-6)
    assert "model: sad p=0.930" in top.reason(0.9) and "1 of 2 labelled happy" in top.reason(0.9)
    assert found.candidates[-1].image == 2 and found.candidates[-1].score == pytest.approx(1 - 0.99 * 0.5, abs=1e-6)
    assert found.summary["model"]["pairs"] == [["angry", "happy", 2], ["neutral", "sad", 1]]


@pytest.fixture()
def relabelled_copies(tmp_path: Path) -> Path:
    """Generated crops with a face filed three times (twice happy, once sad) and another twice (angry, sad)."""
    root = write_kaggle_tree(tmp_path / "data", {"Training": 8, "PublicTest": 2}, classes=("happy", "sad", "angry"))
    face, other = synthetic_face(3, 4242), synthetic_face(0, 4343)
    cv2.imwrite(str(root / "train" / "happy" / "Training_900001.png"), face)
    cv2.imwrite(str(root / "test" / "happy" / "PublicTest_900002.png"), cv2.add(face, 3))
    cv2.imwrite(str(root / "train" / "sad" / "Training_900003.png"), face)
    cv2.imwrite(str(root / "train" / "angry" / "Training_900004.png"), other)
    cv2.imwrite(str(root / "train" / "sad" / "Training_900005.png"), other)
    return root


def test_outvoted_copies_are_listed_without_a_model(relabelled_copies: Path, tmp_path: Path) -> None:
    out = tmp_path / "audit"
    result = CliRunner().invoke(cli, ["data", "audit", str(relabelled_copies), "--out", str(out), "--no-model"])
    assert result.exit_code == 0, result.output
    assert "candidate label errors: 3 (3 outvoted by near duplicates)" in result.output
    rows = _rows(out / "label_candidates.csv")
    assert [Path(r["image"]).stem for r in rows] == ["Training_900003", "Training_900004", "Training_900005"]
    assert rows[0]["label"] == "sad" and rows[0]["suggested"] == "happy" and rows[0]["score"] == "0.6667"
    assert rows[0]["reason"] == "near duplicates: 2 of 3 labelled happy" and rows[0]["model_prob"] == ""
    data = json.loads((out / "report.json").read_text())["label_consistency"]
    assert data["model"] == {"used": False} and data["duplicates"]["pairs"][0] == ["sad", "happy", 1]
    assert not (out / "model_disagreements.csv").exists()
    for figure in ("label_candidates", "label_conflicts"):
        assert (out / f"{figure}.png").stat().st_size > 1000 and f"({figure}.png)" in (out / "report.md").read_text()


def test_model_and_no_model_together_are_refused(relabelled_copies: Path, tmp_path: Path) -> None:
    model = OnnxClassifier().path
    args = ["data", "audit", str(relabelled_copies), "--out", str(tmp_path / "a"), "--no-model", "--model", str(model)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "give --model or --no-model, not both" in result.output


@pytest.mark.fer2013
def test_a_planted_mislabelled_fer2013_crop_tops_the_list(fer_subset: Path, tmp_path: Path) -> None:
    """The happy crop the model is surest of, filed again as angry: both signals point at the angry copy."""
    data = shutil.copytree(fer_subset, tmp_path / "fer")
    happy = sorted((data / "train" / "happy").iterdir())
    crops = np.stack([cv2.imread(str(p), cv2.IMREAD_GRAYSCALE) for p in happy])
    surest = happy[int(OnnxClassifier().predict_proba(crops)[:, EMOTIONS.index(Emotion.HAPPY)].argmax())]
    planted = Path(shutil.copy(surest, data / "train" / "angry" / "Training_99999999.jpg"))
    findings, report = run_audit(data, tmp_path / "audit", AuditConfig(), classifier=OnnxClassifier())
    assert findings.labels is not None and findings.labels.summary["model"]["images_scored"] == 323
    rows = _rows(report.parent / "label_candidates.csv")
    assert (rows[0]["image"], rows[0]["label"], rows[0]["suggested"]) == (str(planted), "angry", "happy")
    assert float(rows[0]["model_prob"]) >= 0.9 and "near duplicates: 1 of 2 labelled happy" in rows[0]["reason"]
    original = next(r for r in rows if r["image"] == str(surest))
    assert original["suggested"] == "angry" and float(original["score"]) < 0.6  # the model breaks the tie
    model_rows = _rows(report.parent / "model_disagreements.csv")
    assert str(planted) in [r["image"] for r in model_rows[:3]]
    probabilities = [float(r["model_prob"]) for r in model_rows]
    assert probabilities == sorted(probabilities, reverse=True)
    assert (report.parent / "model_disagreements.png").stat().st_size > 1000
    first_row = next(line for line in report.read_text().splitlines() if line.startswith("| 1 | 0."))
    assert f"| {planted.name} | angry | happy |" in first_row
