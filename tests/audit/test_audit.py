"""The data audit on generated data with planted problems, and end to end on FER2013 images."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner
from tests.conftest import synthetic_face, write_kaggle_tree

from emolens.audit import AuditConfig, run_audit
from emolens.audit.hashing import hamming_pairs
from emolens.cli.main import cli


def test_hamming_pairs_matches_brute_force() -> None:
    rng = np.random.default_rng(0)
    bits = rng.random((300, 64)) < 0.5
    bits[1] = bits[0]
    bits[2] = bits[0]
    bits[2, :3] ^= True
    bits[3] = bits[5]
    bits[3, 10:14] ^= True
    pairs, distances = hamming_pairs(bits, 4)
    brute = {(i, j) for i in range(300) for j in range(i + 1, 300) if (bits[i] != bits[j]).sum() <= 4}
    assert {tuple(p) for p in pairs.tolist()} == brute
    assert {(0, 1), (0, 2), (1, 2), (3, 5)} <= brute
    assert distances.max() <= 4


@pytest.fixture()
def planted(tmp_path: Path) -> Path:
    """50 distinct crops per split plus: an exact copy train->PublicTest with another label, a slightly
    brightened copy train->PrivateTest, a blank crop, a dark crop and a corrupt file."""
    root = write_kaggle_tree(
        tmp_path, {"Training": 10, "PublicTest": 3, "PrivateTest": 3}, classes=("happy", "sad", "angry")
    )
    source = next((root / "train" / "happy").glob("*.png"))
    face = cv2.imread(str(source), cv2.IMREAD_GRAYSCALE)
    cv2.imwrite(str(root / "test" / "sad" / "PublicTest_900001.png"), face)
    cv2.imwrite(str(root / "test" / "happy" / "PrivateTest_900002.png"), cv2.add(face, 6))
    cv2.imwrite(str(root / "train" / "angry" / "Training_900003.png"), np.full((48, 48), 128, np.uint8))
    cv2.imwrite(str(root / "train" / "angry" / "Training_900004.png"), (synthetic_face(0, 77) * 0.25).astype(np.uint8))
    (root / "train" / "sad" / "Training_900005.jpg").write_bytes(b"broken")
    return root


def test_audit_finds_the_planted_problems(planted: Path, tmp_path: Path) -> None:
    findings, report = run_audit(planted, tmp_path / "report", AuditConfig(near_distance=6))
    assert findings.counts["train"]["happy"] == 10 and findings.counts["val"]["sad"] == 4
    assert findings.exact["groups"] == 1 and findings.exact["held_out_images_with_a_train_copy"] == {
        "val": 1,
        "test": 0,
    }
    assert findings.exact["conflicting_label_groups"] == 1
    assert findings.near["held_out_images_with_a_train_copy"] == {"val": 1, "test": 1}
    assert findings.quality["totals"]["nearly_blank"] == 1 and findings.quality["totals"]["under_exposed"] >= 1
    data = json.loads((report.parent / "report.json").read_text())
    assert list(data["unreadable"]) == [str(planted / "train" / "sad" / "Training_900005.jpg")]
    rows = (report.parent / "duplicates.csv").read_text().splitlines()
    assert len(rows) == 1 + 3 and any("PublicTest_900001" in r and ",val,sad," in r for r in rows)
    assert "nearly_blank,train,angry," in (report.parent / "low_quality.csv").read_text()
    text = report.read_text()
    for figure in ("class_distribution", "samples", "near_duplicates", "low_quality"):
        assert f"({figure}.png)" in text and (report.parent / f"{figure}.png").stat().st_size > 1000


def test_audit_command_refuses_a_wrong_layout(tmp_path: Path) -> None:
    (tmp_path / "holiday").mkdir()
    result = CliRunner().invoke(cli, ["data", "audit", str(tmp_path), "--out", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "expected either the Kaggle FER2013 layout" in result.output


@pytest.mark.fer2013
def test_audit_command_on_fer2013_images(fer_subset: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["data", "audit", str(fer_subset), "--out", str(tmp_path / "audit")])
    assert result.exit_code == 0, result.output
    assert "322 images in train 210, test 56, val 56" in result.output
    data = json.loads((tmp_path / "audit" / "report.json").read_text())
    assert data["layout"] == "kaggle" and data["counts"]["train"]["disgust"] == 30
    assert set(data["class_weights"]) == {"angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"}
