"""A tiny trained run exported to ONNX (parity, card, int8), then evaluated and explained from the ONNX
model alone, the way a user would: through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner
from tests.conftest import write_kaggle_tree

from emolens.cli.main import cli
from emolens.evaluation.explain import Explainer
from emolens.training.config import TrainConfig
from emolens.training.export import PARITY_TOLERANCE
from emolens.training.loop import train
from emolens.vision.classify import OnnxClassifier

FIVE = ["angry", "fear", "happy", "sad", "surprise"]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(data, model.onnx): five classes, disgust relabelled as angry, exported with an int8 twin."""
    root = tmp_path_factory.mktemp("export")
    data = write_kaggle_tree(root / "data", {"Training": 12, "PublicTest": 5, "PrivateTest": 5})
    cfg = TrainConfig(
        data=str(data),
        net="vgg-tiny",
        epochs=2,
        batch_size=32,
        bf16=False,
        threads=1,
        classes=tuple(FIVE),
        relabel={"disgust": "angry"},
    )
    train(cfg, root / "run")
    result = CliRunner().invoke(
        cli, ["export", str(root / "run"), "--out", str(root / "model.onnx"), "--int8", "--version", "3"]
    )
    assert result.exit_code == 0, result.output
    return data, root / "model.onnx"


def test_export_writes_a_calibrated_card_with_parity(exported: tuple[Path, Path]) -> None:
    _, model = exported
    card = json.loads(model.with_suffix(".json").read_text())
    assert card["labels"] == FIVE and card["relabel"] == {"disgust": "angry"} and card["version"] == "3"
    assert card["parity_max_abs_diff"] <= PARITY_TOLERANCE and 0.05 <= card["temperature"] <= 20
    assert card["metrics"]["test"]["images"] == 30  # 5 classes x 5 PrivateTest + 5 disgust counted as angry
    assert card["int8"]["size_bytes_int8"] < card["int8"]["size_bytes_float"]
    int8_run = CliRunner().invoke(
        cli, ["evaluate", "--data", str(exported[0]), "--model", str(model.with_name("model.int8.onnx")), "--json"]
    )
    assert round(json.loads(int8_run.output)["accuracy"], 4) == card["int8"]["test_accuracy_int8"]
    assert "## test" in model.with_suffix(".md").read_text()
    assert (model.parent / "model-report" / "reliability_val.png").is_file()
    int8 = OnnxClassifier(model.with_name("model.int8.onnx"))
    assert int8.card.labels == OnnxClassifier(model).card.labels
    int8_card = json.loads(model.with_name("model.int8.json").read_text())
    assert int8_card["name"] == "model-int8" and int8_card["temperature"] == card["int8"]["temperature"]
    assert int8_card["metrics"]["test"]["accuracy"] == card["int8"]["test_accuracy_int8"]
    assert "the quantised model's own" in model.with_name("model.int8.md").read_text()


def test_evaluate_report_and_tta_from_onnx(exported: tuple[Path, Path], tmp_path: Path) -> None:
    data, model = exported
    runner = CliRunner()
    plain = runner.invoke(cli, ["evaluate", "--data", str(data), "--model", str(model), "--json"])
    assert plain.exit_code == 0, plain.output
    figures = json.loads(plain.output)
    assert {"accuracy", "macro_f1", "per_class", "ece"} <= set(figures)
    assert figures["classes_not_in_model"] == {"neutral": 5} and figures["images"] == 30
    report = runner.invoke(
        cli, ["evaluate", "--data", str(data), "--model", str(model), "--tta", "--out", str(tmp_path / "ev")]
    )
    assert report.exit_code == 0, report.output
    data_json = json.loads((tmp_path / "ev" / "report.json").read_text())
    assert data_json["tta"] is True and set(data_json["roc_auc"]) == {*FIVE, "macro"}
    for figure in ("confusion_counts", "confusion_normalised", "roc", "reliability", "confident_mistakes"):
        assert (tmp_path / "ev" / f"{figure}.png").stat().st_size > 1000


def test_explain_crop_with_cam_and_occlusion(exported: tuple[Path, Path], tmp_path: Path) -> None:
    data, model = exported
    crop = next((data / "test" / "happy").glob("*.png"))
    result = CliRunner().invoke(
        cli, ["explain", str(crop), "--model", str(model), "--out", str(tmp_path / "ex"), "--target", "sad"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "ex" / "report.json").read_text())
    assert report["method"] == "CAM" and report["target"] == "sad" and len(report["layers"]) == 4
    assert abs(sum(report["probabilities"].values()) - 1) < 1e-4
    explainer = Explainer(model)
    explainer._cam = None  # a graph without a pooled linear head falls back to occlusion
    face = cv2.imread(str(crop), cv2.IMREAD_GRAYSCALE)
    occluded = explainer.explain(face)
    assert (
        occluded.method == "occlusion"
        and occluded.heatmap.shape == (48, 48)
        and occluded.heatmap.min() >= 0
        and occluded.heatmap.max() == 1.0  # scaled by its largest drop
    )


def test_explain_a_photo_with_the_shipped_model(astronaut_bgr: np.ndarray, tmp_path: Path) -> None:
    photo = tmp_path / "astronaut.jpg"
    cv2.imwrite(str(photo), astronaut_bgr)
    result = CliRunner().invoke(cli, ["explain", str(photo), "--out", str(tmp_path / "ex")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "ex" / "report.json").read_text())
    assert report["target"] == "happy" and report["method"] == "CAM"
    for figure in ("probabilities", "class_activation", "activations"):
        assert (tmp_path / "ex" / f"{figure}.png").is_file()


def test_the_shipped_mirror_averaged_cam_averages_both_views() -> None:
    explainer = Explainer()
    assert explainer.card.extra["architecture"].endswith("mirror-image averaging in the graph")
    rng = np.random.default_rng(0)
    half = rng.integers(0, 256, (48, 24), dtype=np.uint8)
    symmetric = np.hstack([half, half[:, ::-1]])  # the face and its mirror are the same image
    explanation = explainer.explain(symmetric)
    assert explanation.method == "CAM" and explanation.heatmap.max() > 0
    np.testing.assert_allclose(explanation.heatmap, explanation.heatmap[:, ::-1], atol=1e-4)


def test_evaluate_and_explain_run_without_torch(exported: tuple[Path, Path], tmp_path: Path) -> None:
    data, model = exported
    crop = next((data / "test" / "sad").glob("*.png"))
    script = f"""
import sys
sys.modules["torch"] = None  # any import of torch now fails
from click.testing import CliRunner
from emolens.cli.main import cli
args = ["--data", {str(data)!r}, "--model", {str(model)!r}, "--out", {str(tmp_path / "ev")!r}]
r = CliRunner().invoke(cli, ["evaluate", *args])
assert r.exit_code == 0, (r.output, r.exception)
r = CliRunner().invoke(cli, ["explain", {str(crop)!r}, "--model", {str(model)!r}, "--out", {str(tmp_path / "ex")!r}])
assert r.exit_code == 0, (r.output, r.exception)
r = CliRunner().invoke(cli, ["data", "audit", {str(data)!r}, "--out", {str(tmp_path / "au")!r}])
assert r.exit_code == 0, (r.output, r.exception)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "ev" / "report.md").is_file() and (tmp_path / "ex" / "report.md").is_file()


def test_flip_averaged_export_is_mirror_invariant(exported: tuple[Path, Path], tmp_path: Path) -> None:
    _, model = exported
    run = model.parent / "run"
    out = tmp_path / "flip.onnx"
    result = CliRunner().invoke(cli, ["export", str(run), "--out", str(out), "--flip-average"])
    assert result.exit_code == 0, result.output
    card = json.loads(out.with_suffix(".json").read_text())
    assert card["parity_max_abs_diff"] <= PARITY_TOLERANCE and "mirror-image" in card["architecture"]
    faces = np.random.default_rng(0).integers(0, 256, (4, 48, 48), dtype=np.uint8)
    flipped, plain = OnnxClassifier(out), OnnxClassifier(model)
    assert np.abs(flipped.logits(faces) - flipped.logits(faces[:, :, ::-1].copy())).max() < 1e-4
    assert np.abs(plain.logits(faces) - plain.logits(faces[:, :, ::-1].copy())).max() > 1e-3


def test_logit_offsets_shift_only_their_classes_inside_the_graph(exported: tuple[Path, Path], tmp_path: Path) -> None:
    _, model = exported
    out = tmp_path / "shifted.onnx"
    args = ["export", str(model.parent / "run"), "--out", str(out), "--logit-offset", "angry=2.5"]
    result = CliRunner().invoke(cli, [*args, "--logit-offset", "sad=-1"])
    assert result.exit_code == 0, result.output
    card = json.loads(out.with_suffix(".json").read_text())
    assert card["logit_offsets"] == {"angry": 2.5, "sad": -1.0} and card["parity_max_abs_diff"] <= PARITY_TOLERANCE
    faces = np.random.default_rng(1).integers(0, 256, (6, 48, 48), dtype=np.uint8)
    shift = OnnxClassifier(out).logits(faces) - OnnxClassifier(model).logits(faces)
    assert np.allclose(shift, np.array([2.5, 0, 0, -1, 0]), atol=1e-4)  # classes: angry fear happy sad surprise


@pytest.mark.parametrize(
    ("offset", "message"),
    [("disgust=1", "lacks; its classes: angry, fear"), ("angry", "is not CLASS=VALUE"), ("sad=nan", "finite VALUE")],
)
def test_logit_offsets_name_what_is_wrong(
    exported: tuple[Path, Path], tmp_path: Path, offset: str, message: str
) -> None:
    _, model = exported
    out = tmp_path / "bad.onnx"
    result = CliRunner().invoke(cli, ["export", str(model.parent / "run"), "--out", str(out), "--logit-offset", offset])
    assert result.exit_code != 0 and message in result.output and not out.exists()


def test_export_writes_a_drift_profile_beside_each_model(exported: tuple[Path, Path]) -> None:
    from emolens.monitoring import Profile, profile_path

    _, model = exported
    for onnx_file in (model, model.with_name("model.int8.onnx")):
        profile = Profile.load(profile_path(onnx_file))
        assert profile.labels == FIVE and profile.faces == 30  # the val split: 5 classes x 5 PublicTest + disgust
        assert {"brightness", "contrast", "sharpness", "confidence"} <= set(profile.samples)
        assert sum(profile.prediction_counts.values()) == 30 and profile.mean_confidence == pytest.approx(
            float(np.mean(profile.samples["confidence"])), abs=1e-3
        )
