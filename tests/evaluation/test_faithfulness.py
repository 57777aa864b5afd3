"""Heat maps and their faithfulness on real faces: occlusion for every model, deletion curves against random."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from emolens.cli.main import cli
from emolens.errors import ConfigError
from emolens.evaluation.explain import Explainer
from emolens.evaluation.faithfulness import DELETION_BLUR_SIGMA_PX, curve_area, deletion_batch, deletion_curves
from emolens.types import Emotion


@pytest.fixture(scope="module")
def explainer() -> Explainer:
    return Explainer()


def test_deletion_batch_removes_equal_steps_down_to_the_blurred_face(astronaut_face: np.ndarray) -> None:
    order = np.random.default_rng(0).permutation(astronaut_face.size)
    batch = deletion_batch(astronaut_face, order, 4)
    blurred = cv2.GaussianBlur(astronaut_face, (0, 0), DELETION_BLUR_SIGMA_PX)
    changed = [(b != astronaut_face).sum() for b in batch]
    assert batch.shape == (5, 48, 48) and changed[0] == 0
    assert (batch[-1] == blurred).all() and np.all(np.diff(changed) > 0)
    assert (batch[2].ravel()[order[:1152]] == blurred.ravel()[order[:1152]]).all()
    assert (batch[2].ravel()[order[1152:]] == astronaut_face.ravel()[order[1152:]]).all()


def test_curve_area_of_known_curves() -> None:
    assert curve_area(np.ones(21)) == pytest.approx(1.0)
    assert curve_area(np.linspace(1, 0, 11)) == pytest.approx(0.5)


def test_both_maps_of_happy_are_more_faithful_than_random(explainer: Explainer, astronaut_face: np.ndarray) -> None:
    result = explainer.explain(astronaut_face, Emotion.HAPPY, ("cam", "occlusion"))
    assert list(result.heatmaps) == ["CAM", "occlusion"] and result.method == "CAM"
    for heat in result.heatmaps.values():
        assert heat.shape == (48, 48) and heat.min() >= 0 and heat.max() == pytest.approx(1.0)
    happy = explainer.card.labels.index(Emotion.HAPPY)
    curves = deletion_curves(explainer.probabilities, astronaut_face, happy, result.heatmaps, np.random.default_rng(0))
    areas = {name: curve_area(curve) for name, curve in curves.items()}
    assert curves["random"][0] == pytest.approx(result.probabilities[Emotion.HAPPY], abs=1e-5)
    assert areas["occlusion"] < areas["random"] and areas["CAM"] < areas["random"]


def test_occlusion_needs_no_cam_head_and_unknown_methods_are_refused(
    explainer: Explainer, astronaut_face: np.ndarray
) -> None:
    name, heat = explainer.heatmap(astronaut_face, 0, "occlusion")
    assert name == "occlusion" and heat.shape == (48, 48)
    with pytest.raises(ConfigError, match="unknown explanation method 'gradcam'"):
        explainer.heatmap(astronaut_face, 0, "gradcam")


def test_explain_command_draws_occlusion_and_its_deletion_curve(astronaut_bgr: np.ndarray, tmp_path: Path) -> None:
    photo = tmp_path / "astronaut.jpg"
    cv2.imwrite(str(photo), astronaut_bgr)
    out = tmp_path / "ex"
    result = CliRunner().invoke(cli, ["explain", str(photo), "--method", "occlusion", "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    assert report["method"] == "occlusion" and report["target"] == "happy"
    assert set(report["deletion_auc"]) == {"occlusion", "random"}
    assert report["deletion_auc"]["occlusion"] < report["deletion_auc"]["random"]
    for figure in ("class_activation", "deletion_curve", "probabilities", "activations"):
        assert (out / f"{figure}.png").stat().st_size > 1000


def test_explain_data_measures_every_method(fer_subset: Path, tmp_path: Path) -> None:
    out = tmp_path / "faith"
    args = ["explain", "--data", str(fer_subset), "--limit", "7", "--method", "both", "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    assert report["faces"] == 7 and set(report["mean_area"]) == {"cam", "occlusion", "random"}
    assert all(len(curve) == 21 for curve in report["mean_curves"].values())
    assert (out / "deletion_curves.png").stat().st_size > 1000
    neither = CliRunner().invoke(cli, ["explain"])
    assert neither.exit_code == 2 and "give an IMAGE" in neither.output
