"""Cross-domain checks on real faces: frames built from crops, detection, mirror and jitter agreement."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from emolens.cli.main import cli
from emolens.errors import ConfigError, DataLayoutError
from emolens.evaluation.robustness import check_robustness, jitter_faces, mirror_same
from emolens.evaluation.samples import LabelledFaces, balanced_indices, load_test_faces
from emolens.evaluation.scenes import Condition, default_conditions, render
from emolens.types import Emotion


def test_balanced_indices_draw_the_same_number_per_class() -> None:
    labels = np.array([0] * 50 + [1] * 3 + [2] * 20)
    chosen = balanced_indices(labels, 15, seed=1)
    assert np.bincount(labels[chosen]).tolist() == [5, 3, 5]
    assert chosen.tolist() == balanced_indices(labels, 15, seed=1).tolist()
    assert chosen.tolist() != balanced_indices(labels, 15, seed=2).tolist()
    with pytest.raises(DataLayoutError, match="at least 1 face"):
        balanced_indices(labels, 0)


def test_render_pastes_the_face_where_it_says() -> None:
    face = np.tile(np.arange(48, dtype=np.uint8) * 5, (48, 1))
    frame, (x1, y1, x2, y2) = render(face, Condition("flat", 96, "grey"), np.random.default_rng(3))
    assert frame.shape == (480, 640, 3) and (x2 - x1, y2 - y1) == (96, 96)
    assert min(x1, y1) >= 24 and x2 <= 640 - 24 and y2 <= 480 - 24
    assert (frame[:, :x1] == 128).all() and frame[y1:y2, x1:x2, 0].std() > 50
    darker, _ = render(face, Condition("dark", 96, "grey", "gamma", 2.2), np.random.default_rng(3))
    assert darker[y1:y2, x1:x2].mean() < frame[y1:y2, x1:x2].mean() - 30


def test_conditions_refuse_unknown_settings() -> None:
    with pytest.raises(ConfigError, match="unknown background 'sky'"):
        Condition("x", background="sky")
    with pytest.raises(ConfigError, match="unknown shift 'fog'"):
        Condition("x", shift="fog")
    with pytest.raises(ConfigError, match=r"JPEG quality must be 1\.\.100, got 0"):
        Condition("x", shift="jpeg", amount=0)
    assert len({c.name for c in default_conditions()}) == len(default_conditions())


def test_jitter_moves_and_scales_the_box(analyzer, astronaut_bgr: np.ndarray) -> None:
    face = analyzer.analyze(astronaut_bgr)[0].face
    moved = jitter_faces(face, 3, 0.05)
    assert [round(m.bbox.center[0] - face.bbox.center[0], 6) for m in moved[:2]] == [3, -3]
    assert round(moved[4].bbox.width / face.bbox.width, 6) == 1.05
    assert np.allclose(moved[2].landmarks - face.landmarks, [0, 3])


def test_a_pasted_face_at_160_px_is_found_and_steady_under_zero_jitter(analyzer, astronaut_face: np.ndarray) -> None:
    happy = analyzer.labels.index(Emotion.HAPPY)
    faces = LabelledFaces(astronaut_face[None], np.array([happy]), ("astronaut",))
    result = check_robustness(
        analyzer, faces, [Condition("big", 160, "clutter", mirror=True)], jitter_px=0, jitter_scale=0
    )
    big = result.conditions[0]
    assert big.detected == 1 and big.jitter_agreement == 1.0 and result.jitter_agreement == 1.0
    assert big.report is not None and big.report.recall[Emotion.HAPPY] == 1.0
    assert big.mirror_agreement == 1.0 and big.end_to_end_accuracy == 1.0


def test_mirror_of_a_symmetric_frame_agrees(analyzer, astronaut_face: np.ndarray) -> None:
    frame, (x1, y1, x2, y2) = render(astronaut_face, Condition("big", 160, "grey"), np.random.default_rng(0))
    right = frame[:, (x1 + x2) // 2 :]
    symmetric = np.ascontiguousarray(np.hstack([right[:, ::-1], right]))  # its own mirror image
    centre = right.shape[1]
    found = analyzer.analyze(symmetric)
    assert found, "the face made of its right half and that half's mirror should still be found"
    assert mirror_same(analyzer, symmetric, (centre - 80, y1, centre + 80, y2), found[0].label) is True


def test_a_condition_that_destroys_the_face_lowers_detection(analyzer, fer_subset: Path) -> None:
    faces = load_test_faces(fer_subset, analyzer.classifier.card, "test", limit=14)
    conditions = [Condition("clean", 160, "grey"), Condition("smeared", 160, "grey", "blur", 25)]
    clean, smeared = check_robustness(analyzer, faces, conditions).conditions
    assert clean.faces == smeared.faces == 14
    assert clean.detected >= 5 and smeared.detected < clean.detected


def test_robustness_command_writes_a_report(fer_subset: Path, tmp_path: Path) -> None:
    out = tmp_path / "rob"
    args = ["robustness", "--data", str(fer_subset), "--limit", "7", "--condition", "clean-160", "--out", str(out)]
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "report.json").read_text())
    assert data["faces"] == 7 and [c["condition"]["name"] for c in data["conditions"]] == ["clean-160"]
    assert set(data["pooled"]["per_class"]) == {e.value for e in Emotion}
    assert (out / "recall_per_condition.png").stat().st_size > 1000
    assert "clean-160" in (out / "report.md").read_text()
    wrong = CliRunner().invoke(cli, ["robustness", "--data", str(fer_subset), "--condition", "fog"])
    assert wrong.exit_code == 2 and "unknown condition 'fog'" in wrong.output
