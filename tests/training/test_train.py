"""Training end to end on small data: config files, class subsets, early stopping, resume, torchrun."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from tests.conftest import write_kaggle_tree

from emolens.cli.main import cli
from emolens.errors import ConfigError, DataLayoutError
from emolens.training.config import TrainConfig, load_config
from emolens.training.data import load_split
from emolens.training.loop import train

TINY = {"net": "vgg-tiny", "batch_size": 32, "bf16": False, "threads": 1, "warmup_epochs": 0.5}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated crops of the seven classes: 12 train, 4 PublicTest, 4 PrivateTest each."""
    return write_kaggle_tree(tmp_path_factory.mktemp("gen"), {"Training": 12, "PublicTest": 4, "PrivateTest": 4})


def test_config_from_yaml_and_toml_refuses_bad_values(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "net: vgg-tiny\nepochs: 3\nclasses: [angry, fear, happy, sad, surprise]\naugment: {flip: false}\n"
    )
    (tmp_path / "b.toml").write_text('net = "vgg-s"\nsampling = "balanced"\n[relabel]\ndisgust = "angry"\n')
    a, b = load_config(tmp_path / "a.yaml"), load_config(tmp_path / "b.toml", epochs=2)
    assert a.classes == ("angry", "fear", "happy", "sad", "surprise") and a.augment.flip is False
    assert b.relabel == {"disgust": "angry"} and b.sampling == "balanced" and b.epochs == 2
    with pytest.raises(ValueError, match=r"unknown config keys \[.epoch.\]"):
        load_config(None, epoch=3)
    with pytest.raises(ValueError, match=r"epochs must be > 0.*sampling must be one of"):
        TrainConfig(epochs=0, sampling="random")


def test_interrupted_run_resumes_to_the_same_result(generated: Path, tmp_path: Path) -> None:
    cfg = TrainConfig(data=str(generated), epochs=3, class_weighting=True, **TINY)
    straight = train(cfg, tmp_path / "straight")

    def interrupt(row: dict[str, float]) -> None:
        if row["epoch"] == 0:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(cfg, tmp_path / "resumed", on_epoch=interrupt)
    assert json.loads((tmp_path / "resumed" / "history.json").read_text())[-1]["epoch"] == 0
    resumed = train(cfg, tmp_path / "resumed", resume=True)
    assert resumed["best_val_acc"] == straight["best_val_acc"] and resumed["epochs"] == 3
    a = torch.load(tmp_path / "straight" / "last.pt", weights_only=False)
    b = torch.load(tmp_path / "resumed" / "last.pt", weights_only=False)
    assert all(torch.equal(a["model"][k], b["model"][k]) for k in a["model"])
    assert [r["val_loss"] for r in a["history"]] == [r["val_loss"] for r in b["history"]]


def test_five_class_subset_with_early_stopping_and_balanced_sampling(generated: Path, tmp_path: Path) -> None:
    cfg = TrainConfig(
        data=str(generated),
        epochs=30,
        lr=1e-6,
        early_stop_patience=1,
        sampling="balanced",
        classes=("angry", "fear", "happy", "sad", "surprise"),
        **TINY,
    )
    result = train(cfg, tmp_path / "run")
    assert result["early_stopped"] and result["epochs"] < 30
    best = torch.load(tmp_path / "run" / "best.pt", weights_only=False)
    assert best["labels"] == ["angry", "fear", "happy", "sad", "surprise"]
    assert best["model"]["head.3.weight"].shape[0] == 5
    for name in ("config.json", "curves.png", "report.md", "report.json", "last.pt"):
        assert (tmp_path / "run" / name).is_file()


def test_a_missing_class_is_a_clear_error(tmp_path: Path) -> None:
    data = write_kaggle_tree(tmp_path / "d", {"Training": 3, "PublicTest": 2}, classes=("happy", "sad"))
    with pytest.raises(DataLayoutError, match=r"no images of the classes \['angry'"):
        train(TrainConfig(data=str(data), epochs=1, **TINY), tmp_path / "run")
    ok = train(TrainConfig(data=str(data), epochs=1, classes=("happy", "sad"), **TINY), tmp_path / "run2")
    assert ok["classes"] == ["happy", "sad"]


def test_extra_train_folders_join_the_train_split_only(generated: Path, tmp_path: Path) -> None:
    extra = write_kaggle_tree(tmp_path / "extra", {"Training": 2, "PublicTest": 5}, classes=("fear", "sad"), seed=3)
    plain = TrainConfig(data=str(generated), **TINY)
    cfg = load_config(None, data=str(generated), extra_train=[str(extra)], **TINY)
    assert cfg.extra_train == (str(extra),)
    base, more = load_split(plain, "train"), load_split(cfg, "train")
    assert len(more.y) == len(base.y) + 4
    assert more.class_counts(7).tolist() == [12, 12, 14, 12, 12, 14, 12]
    assert torch.equal(more.x[: len(base.y)], base.x)
    assert len(load_split(cfg, "val").y) == len(load_split(plain, "val").y)
    subset = TrainConfig(data=str(generated), extra_train=(str(extra),), classes=("happy", "sad"), **TINY)
    assert load_split(subset, "train").class_counts(2).tolist() == [12, 14]
    with pytest.raises(DataLayoutError, match="does not exist"):
        load_split(TrainConfig(data=str(generated), extra_train=(str(tmp_path / "nowhere"),), **TINY), "train")


def test_class_weights_weigh_the_loss_and_refuse_bad_values(generated: Path, tmp_path: Path) -> None:
    common = {"data": str(generated), "epochs": 1, **TINY}
    plain = train(TrainConfig(**common), tmp_path / "plain")
    ones = train(TrainConfig(**common, class_weights={"angry": 1.0}), tmp_path / "ones")
    heavy = train(TrainConfig(**common, class_weights={"angry": 8.0, "fear": 3.0}), tmp_path / "heavy")

    def losses(run: str) -> list[float]:
        return [r["train_loss"] for r in json.loads((tmp_path / run / "history.json").read_text())]

    assert losses("ones") == pytest.approx(losses("plain"), rel=1e-5)
    assert losses("heavy") != pytest.approx(losses("plain"), rel=1e-3)
    assert plain["epochs"] == ones["epochs"] == heavy["epochs"] == 1
    with pytest.raises(ValueError, match="class_weighting or class_weights, not both"):
        TrainConfig(class_weighting=True, class_weights={"angry": 2.0})
    with pytest.raises(ValueError, match=r"class_weights\['fear'\] must be > 0, got 0"):
        TrainConfig(class_weights={"fear": 0})
    with pytest.raises(ConfigError, match=r"class_weights names \['angry'\], which the run does not learn"):
        train(TrainConfig(**common, classes=("happy", "sad"), class_weights={"angry": 2.0}), tmp_path / "bad")


@pytest.mark.fer2013
def test_train_command_on_fer2013_images(fer_subset: Path, tmp_path: Path) -> None:
    config = tmp_path / "tiny.yaml"
    config.write_text("net: vgg-tiny\nbatch_size: 64\nbf16: false\nlimit_per_class: 20\n")
    result = CliRunner().invoke(
        cli,
        ["train", "--data", str(fer_subset), "--config", str(config), "--out", str(tmp_path / "run"), "--epochs", "2"],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(
        result.output.strip().splitlines()[-1]
        if result.output.strip().startswith("{")
        else next(line for line in result.output.splitlines() if line.startswith("{"))
    )
    assert summary["epochs"] == 2 and summary["device"] == "cpu"
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["limit_per_class"] == 20 and saved["data"] == str(fer_subset) and saved["epochs"] == 2


def test_torchrun_two_cpu_processes(generated: Path, tmp_path: Path) -> None:
    torchrun = Path(sys.executable).with_name("torchrun")
    command = [
        str(torchrun),
        "--nproc-per-node",
        "2",
        "--no-python",
        str(Path(sys.executable).with_name("emolens")),
        "train",
        "--data",
        str(generated),
        "--out",
        str(tmp_path / "ddp"),
        "--epochs",
        "2",
        "--net",
        "vgg-tiny",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(next(line for line in done.stdout.splitlines() if line.startswith("{")))
    assert summary["processes"] == 2 and summary["epochs"] == 2
    assert torch.load(tmp_path / "ddp" / "best.pt", weights_only=False)["net"] == "vgg-tiny"


def test_a_packed_run_resumes_elsewhere(generated: Path, tmp_path: Path) -> None:
    cfg = TrainConfig(data=str(generated), epochs=2, **TINY)
    train(TrainConfig(**{**cfg.to_dict(), "epochs": 1, "augment": cfg.augment}), tmp_path / "first")
    runner = CliRunner()
    packed = runner.invoke(cli, ["checkpoint", "pack", str(tmp_path / "first"), "--out", str(tmp_path / "packed")])
    assert packed.exit_code == 0, packed.output
    assert {p.name for p in (tmp_path / "packed").iterdir()} == {"weights.pt", "state.pt", "config.json"}
    state = torch.load(tmp_path / "packed" / "state.pt", weights_only=False)
    assert "model" not in state
    assert all(v["momentum_buffer"].dtype == torch.bfloat16 for v in state["optimizer"]["state"].values())
    moved = runner.invoke(cli, ["checkpoint", "unpack", str(tmp_path / "packed"), "--out", str(tmp_path / "moved")])
    assert moved.exit_code == 0, moved.output
    original = torch.load(tmp_path / "first" / "last.pt", weights_only=False)
    rebuilt = torch.load(tmp_path / "moved" / "last.pt", weights_only=False)
    assert all(torch.equal(original["model"][k], rebuilt["model"][k]) for k in original["model"])
    assert train(cfg, tmp_path / "moved", resume=True)["epochs"] == 2
    missing = runner.invoke(cli, ["checkpoint", "unpack", str(tmp_path / "nothing"), "--out", str(tmp_path / "x")])
    assert missing.exit_code == 1 and "not a packed run" in missing.output
