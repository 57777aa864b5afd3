"""`emolens retrain` end to end on generated data: a tiny net trained and exported (int8) as the old model,
fine-tuned on new data for one epoch; exported when the new data gains and the old data holds, refused when
the new labels hurt the old data, skipped when a drift report says no retraining is needed."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest
from click.testing import CliRunner
from tests.conftest import synthetic_face, write_kaggle_tree

from emolens.cli.main import cli
from emolens.training.augment import AugmentConfig
from emolens.training.config import TrainConfig
from emolens.training.export_run import export_run
from emolens.training.loop import train
from emolens.training.retrain import DATA_SETS, decide
from emolens.types import EMOTIONS

CLASSES = ("angry", "happy", "sad")


@pytest.fixture(scope="module")
def old(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Generated data of three classes, a tiny net trained on it and its int8 export: the deployed model."""
    root = tmp_path_factory.mktemp("retrain")
    data = write_kaggle_tree(root / "data", {"Training": 24, "PublicTest": 8, "PrivateTest": 4}, classes=CLASSES)
    cfg = TrainConfig(
        data=str(data),
        net="vgg-tiny",
        epochs=4,
        batch_size=8,
        lr=0.05,
        label_smoothing=0.0,
        bf16=False,
        threads=1,
        classes=CLASSES,
        augment=AugmentConfig(rotate_deg=0, scale=0, translate=0, flip=False, brightness=0, contrast=0, erase_p=0),
    )
    train(cfg, root / "run")
    export_run(root / "run" / "best.pt", root / "old.onnx", data, "old", "1", cfg.to_dict(), int8=True)
    return {"data": data, "run": root / "run", "model": root / "old.int8.onnx", "root": root}


def write_new_data(root: Path, per_class: int, transform, swap: dict[str, str] | None = None) -> Path:
    """<root>/<class>/<images>: generated faces seen through ``transform``, filed under ``swap``'s labels."""
    for name in CLASSES:
        folder = root / (swap or {}).get(name, name)
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            face = synthetic_face([e.value for e in EMOTIONS].index(name), 50_000 + i)
            cv2.imwrite(str(folder / f"{name}_{i}.png"), transform(face))
    return root


def _retrain(old: dict[str, Path], new: Path, out: Path, *extra: str):
    args = ["retrain", str(new), "--out", str(out), "--checkpoint", str(old["run"]), "--model", str(old["model"])]
    args += ["--old-data", str(old["data"]), "--epochs", "1", "--threads", "1", "--replay", "24", *extra]
    return CliRunner().invoke(cli, args)


def test_decide_refuses_a_loss_beyond_the_tolerance_and_a_new_data_that_does_not_gain() -> None:
    def scores(old_val: float, new_held: float) -> dict[str, dict[str, float]]:
        return {DATA_SETS[0]: {"accuracy": old_val}, DATA_SETS[1]: {"accuracy": new_held}}

    assert decide({"old": scores(0.70, 0.50), "new": scores(0.696, 0.60)}, 0.5).export
    refused = decide({"old": scores(0.70, 0.50), "new": scores(0.69, 0.60)}, 0.5)
    assert not refused.export and "fell 1.00 points, more than the tolerance 0.5" in refused.reasons[0]
    flat = decide({"old": scores(0.70, 0.50), "new": scores(0.70, 0.50)}, 0.5)
    assert not flat.export and "did not improve" in flat.reasons[-1]


def test_exports_when_the_new_data_gains_and_the_old_holds(old: dict[str, Path], tmp_path: Path) -> None:
    dark = write_new_data(tmp_path / "dark", 30, lambda face: (face * 0.5).astype(face.dtype))
    result = _retrain(old, dark, tmp_path / "models" / "new.onnx", "--lr", "0.01")
    assert result.exit_code == 0, result.output
    assert "decision: export" in result.output, result.output
    summary = json.loads((tmp_path / "models" / "new-run" / "retrain.json").read_text())
    assert summary["export"] and summary["scores"]["new"]["new held-out"]["images"] == 18
    gained = summary["scores"]["new"]["new held-out"]["accuracy"] - summary["scores"]["old"]["new held-out"]["accuracy"]
    assert gained > 0
    card = json.loads((tmp_path / "models" / "new.int8.json").read_text())
    assert card["labels"] == list(CLASSES) and card["version"] == "1.1" and "quantization" in card
    assert (tmp_path / "models" / "new.onnx").is_file() and (tmp_path / "models" / "new.int8.onnx").is_file()
    assert "old validation" in result.output and "new held-out" in result.output


def test_refuses_when_the_new_labels_hurt_the_old_data(old: dict[str, Path], tmp_path: Path) -> None:
    swapped = write_new_data(tmp_path / "swapped", 30, lambda face: face, swap={"happy": "sad", "sad": "happy"})
    out = tmp_path / "models" / "new.onnx"
    result = _retrain(old, swapped, out, "--tolerance", "0", "--lr", "0.01")
    assert result.exit_code == 0, result.output
    assert "decision: keep the old model" in result.output, result.output
    assert "old validation: accuracy fell" in result.output
    assert not out.parent.exists() or not any(out.parent.glob("*.onnx"))


def test_when_drifted_does_nothing_without_drift_and_refuses_a_bad_report(old: dict[str, Path], tmp_path: Path) -> None:
    calm = tmp_path / "calm.json"
    calm.write_text(json.dumps({"verdict": "no drift", "retrain": False}))
    result = _retrain(old, old["data"], tmp_path / "m" / "new.onnx", "--when-drifted", str(calm))
    assert result.exit_code == 0 and "no retraining needed" in result.output
    assert not (tmp_path / "m").exists()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"retrain": "yes"}))
    result = _retrain(old, old["data"], tmp_path / "m" / "new.onnx", "--when-drifted", str(bad))
    assert result.exit_code == 2 and "needs a boolean 'retrain' field" in result.output
