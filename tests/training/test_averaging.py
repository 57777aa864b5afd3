"""Weight averages (SWA, EMA) with recomputed BatchNorm, kept through interruption, packing and export; the
robust-training config round-trips; a run can start from another run's weights."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from tests.conftest import write_kaggle_tree
from torch import nn

from emolens.cli.main import cli
from emolens.errors import ConfigError
from emolens.training.augment import AugmentConfig
from emolens.training.averaging import WeightAverages, recompute_batchnorm
from emolens.training.config import TrainConfig, load_config
from emolens.training.loop import train

TINY = {"net": "vgg-tiny", "batch_size": 32, "bf16": False, "threads": 1, "warmup_epochs": 0.5}
ROBUST = AugmentConfig(
    box_scale_sd=0.05, box_shift_sd=0.03, gamma=0.5, blur_sigma=1.5, jpeg_quality=20, noise_sigma=10, occlude_p=0.3
)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_kaggle_tree(tmp_path_factory.mktemp("gen"), {"Training": 12, "PublicTest": 4, "PrivateTest": 4})


def robust_config(data: Path, **changes: object) -> TrainConfig:
    base = TrainConfig(
        data=str(data),
        epochs=3,
        augment=ROBUST,
        mixup_alpha=0.4,
        cutmix_alpha=1.0,
        mix_p=0.8,
        swa_epochs=2,
        swa_lr=0.01,
        ema_decay=0.9,
        average_bn_images=40,
        class_weighting=True,
        **TINY,
    )
    return replace(base, **changes)


def _weights(path: Path) -> dict[str, torch.Tensor]:
    return torch.load(path, weights_only=False)["model"]


def _equal(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_averages_of_constant_weights_are_those_weights_and_swa_is_the_mean() -> None:
    model = nn.Linear(3, 2)
    averages = WeightAverages(model, swa=True, ema_decay=0.5)
    first = {k: v.clone() for k, v in model.state_dict().items()}
    for _ in range(3):
        averages.update_swa(model)
        averages.update_ema(model)
    assert _equal(averages.weights("swa"), first) and _equal(averages.weights("ema"), first)
    with torch.no_grad():
        model.weight += 1.0
    averages.update_swa(model)
    averages.update_ema(model)
    assert torch.allclose(averages.weights("swa")["weight"], first["weight"] + 0.25)
    assert torch.allclose(averages.weights("ema")["weight"], first["weight"] + 0.5)


def test_batchnorm_statistics_are_recomputed_over_the_batches() -> None:
    gen = torch.Generator().manual_seed(0)
    batches = [torch.randn(8, 2, 4, 4, generator=gen) * 3 + 5 for _ in range(2)]
    model = nn.Sequential(nn.BatchNorm2d(2))
    model[0].running_mean.fill_(100.0)
    recompute_batchnorm(model, batches)
    means = torch.stack([b.mean(dim=(0, 2, 3)) for b in batches]).mean(0)
    variances = torch.stack([b.transpose(0, 1).flatten(1).var(1) for b in batches]).mean(0)
    assert torch.allclose(model[0].running_mean, means, atol=1e-5)
    assert torch.allclose(model[0].running_var, variances, atol=1e-4)
    assert not model.training and model[0].momentum == 0.1


def test_robust_config_round_trips_and_refuses_bad_values(tmp_path: Path) -> None:
    cfg = robust_config(Path("data"), init="checkpoints/x")
    (tmp_path / "run.json").write_text(json.dumps(cfg.to_dict()))
    assert load_config(tmp_path / "run.json") == cfg
    toml = tmp_path / "run.toml"
    toml.write_text("mixup_alpha = 0.2\nswa_epochs = 3\nepochs = 5\n[augment]\nbox_shift_sd = 0.04\njpeg_quality = 20")
    loaded = load_config(toml)
    assert loaded.mixup_alpha == 0.2 and loaded.augment.box_shift_sd == 0.04 and loaded.augment.rotate_deg == 15
    with pytest.raises(
        ConfigError, match=r"ema_decay must be in \[0, 1\), got 1.0; swa_epochs \(9\) must not exceed epochs \(5\)"
    ):
        TrainConfig(epochs=5, swa_epochs=9, ema_decay=1.0)
    with pytest.raises(ConfigError, match=r"swa_lr needs swa_epochs"):
        TrainConfig(swa_lr=0.01)
    with pytest.raises(ConfigError, match=r"unknown augment keys \['blur'\]"):
        load_config(None, augment={"blur": 1.0})


def test_the_v3_config_loads_and_starts_from_a_packed_checkpoint() -> None:
    root = Path(__file__).resolve().parents[2]
    cfg = load_config(root / "configs" / "v3-robust.toml")
    assert (root / cfg.init / "weights.pt").is_file() and cfg.net == "vgg-l"
    assert cfg.swa_epochs == 10 and cfg.swa_lr < cfg.lr and 0 < cfg.ema_decay < 1
    assert cfg.augment.box_scale_sd > 0 and cfg.augment.jpeg_quality > 0 and cfg.mixup_alpha > 0


def test_averaging_leaves_the_trained_weights_as_they_were(generated: Path, tmp_path: Path) -> None:
    with_averages = robust_config(generated, epochs=2, swa_lr=0.0)
    without = replace(with_averages, swa_epochs=0, ema_decay=0.0)
    train(with_averages, tmp_path / "a")
    train(without, tmp_path / "b")
    assert _equal(_weights(tmp_path / "a" / "last.pt"), _weights(tmp_path / "b" / "last.pt"))
    assert (tmp_path / "a" / "swa.pt").is_file() and not (tmp_path / "b" / "swa.pt").exists()


def test_an_interrupted_run_with_averages_resumes_to_the_same_averages(generated: Path, tmp_path: Path) -> None:
    cfg = robust_config(generated)
    train(cfg, tmp_path / "straight")

    def interrupt(row: dict[str, float]) -> None:
        if row["epoch"] == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(cfg, tmp_path / "resumed", on_epoch=interrupt)
    train(cfg, tmp_path / "resumed", resume=True)
    for name in ("last.pt", "swa.pt", "ema.pt"):
        assert _equal(_weights(tmp_path / "straight" / name), _weights(tmp_path / "resumed" / name)), name
    history = json.loads((tmp_path / "straight" / "history.json").read_text())
    kept = [("swa_val_acc" in row, "ema_val_acc" in row) for row in history]
    assert kept == [(False, True), (True, True), (True, True)]
    assert [round(row["lr"], 6) for row in history][1:] == [0.01, 0.01]
    swa = torch.load(tmp_path / "straight" / "swa.pt", weights_only=False)
    assert swa["average"].startswith("SWA: the mean of the weights at the end of 2 epoch(s)")


def test_a_packed_run_keeps_its_averages_and_exports_them(generated: Path, tmp_path: Path) -> None:
    cfg = robust_config(generated, epochs=2)
    train(cfg, tmp_path / "run")
    runner = CliRunner()
    packed = runner.invoke(cli, ["checkpoint", "pack", str(tmp_path / "run"), "--out", str(tmp_path / "packed")])
    assert packed.exit_code == 0, packed.output
    assert {"swa-average.pt", "ema-average.pt"} <= {p.name for p in (tmp_path / "packed").iterdir()}
    moved = runner.invoke(cli, ["checkpoint", "unpack", str(tmp_path / "packed"), "--out", str(tmp_path / "moved")])
    assert moved.exit_code == 0, moved.output
    original = torch.load(tmp_path / "run" / "last.pt", weights_only=False)["averages"]
    rebuilt = torch.load(tmp_path / "moved" / "last.pt", weights_only=False)["averages"]
    assert _equal(original["swa"], rebuilt["swa"]) and _equal(original["ema"], rebuilt["ema"])
    assert rebuilt["swa_count"] == 2
    assert not (tmp_path / "moved" / "swa.pt").exists()
    train(cfg, tmp_path / "moved", resume=True)  # finished: only rebuilds the exportable averages
    for name in ("swa.pt", "ema.pt"):
        assert _equal(_weights(tmp_path / "run" / name), _weights(tmp_path / "moved" / name)), name
    out = tmp_path / "models" / "swa.onnx"
    exported = runner.invoke(cli, ["export", str(tmp_path / "run"), "--checkpoint", "swa", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    assert json.loads(out.with_suffix(".json").read_text())["weights"].startswith("SWA: the mean")
    plain = train(replace(cfg, swa_epochs=0, swa_lr=0.0, ema_decay=0.0, epochs=1), tmp_path / "plain")
    assert plain["epochs"] == 1
    refused = runner.invoke(cli, ["export", str(tmp_path / "plain"), "--checkpoint", "ema", "--out", str(out)])
    assert refused.exit_code == 2 and "sets ema_decay" in refused.output


def test_a_run_starts_from_another_runs_weights(generated: Path, tmp_path: Path) -> None:
    first = TrainConfig(data=str(generated), epochs=1, **TINY)
    train(first, tmp_path / "first")
    tuned = replace(first, init=str(tmp_path / "first"), lr=1e-12, warmup_epochs=0.0, augment=ROBUST)
    train(tuned, tmp_path / "tuned")
    start, end = _weights(tmp_path / "first" / "last.pt"), _weights(tmp_path / "tuned" / "last.pt")
    convs = [k for k in start if k.endswith("weight") and start[k].dim() == 4]
    assert convs and all(torch.allclose(start[k], end[k], atol=1e-6) for k in convs)
    with pytest.raises(ConfigError, match=r"holds a vgg-tiny net but the config trains vgg-s"):
        train(replace(tuned, net="vgg-s"), tmp_path / "wrong")


def test_interpolating_two_checkpoints_blends_parameters_and_recomputes_batchnorm(
    generated: Path, tmp_path: Path
) -> None:
    cfg = TrainConfig(data=str(generated), epochs=1, average_bn_images=40, **TINY)
    train(cfg, tmp_path / "a")
    train(replace(cfg, seed=1), tmp_path / "b")
    runner = CliRunner()
    blends = {}
    for alpha in ("0", "0.5", "1"):
        out = tmp_path / f"blend-{alpha}" / "blend.pt"
        args = ["checkpoint", "interpolate", str(tmp_path / "a"), str(tmp_path / "b" / "last.pt"), "--alpha", alpha]
        done = runner.invoke(cli, [*args, "--out", str(out)])
        assert done.exit_code == 0, done.output
        assert 0 <= json.loads(done.output)["val_acc"] <= 1 and (out.parent / "config.json").is_file()
        blends[alpha] = _weights(out)
    a, b = _weights(tmp_path / "a" / "last.pt"), _weights(tmp_path / "b" / "last.pt")
    params = [k for k in a if k.endswith(("weight", "bias"))]
    for k in params:
        assert torch.equal(blends["0"][k], a[k]) and torch.equal(blends["1"][k], b[k])
        assert torch.allclose(blends["0.5"][k], (a[k] + b[k]) / 2, atol=1e-6)
    means = [k for k in a if k.endswith("running_mean")]
    assert means and not any(torch.allclose(blends["0.5"][k], (a[k] + b[k]) / 2) for k in means)
    blend = tmp_path / "blend-0.5" / "blend.pt"
    exported = runner.invoke(cli, ["export", str(blend), "--out", str(tmp_path / "m.onnx")])
    assert exported.exit_code == 0, exported.output
    assert "weight interpolation" in json.loads((tmp_path / "m.onnx").with_suffix(".json").read_text())["weights"]
    other = TrainConfig(data=str(generated), epochs=1, **{**TINY, "net": "vgg-s"})
    train(other, tmp_path / "c")
    refused = runner.invoke(
        cli, ["checkpoint", "interpolate", str(tmp_path / "a"), str(tmp_path / "c"), "--alpha", "0.5", "--out", "x.pt"]
    )
    assert refused.exit_code == 1 and "vgg-tiny net" in refused.output and "vgg-s net" in refused.output
    not_a_checkpoint = tmp_path / "notes.pt"
    not_a_checkpoint.write_text("# not a checkpoint\n")
    raw_average = tmp_path / "a-average.pt"  # a packed average alone: parameters without "model" and "net"
    torch.save(_weights(tmp_path / "a" / "last.pt"), raw_average)
    for bad in (not_a_checkpoint, raw_average):
        args = ["checkpoint", "interpolate", str(bad), str(tmp_path / "a"), "--alpha", "0.5", "--out", "x.pt"]
        refused = runner.invoke(cli, args)
        assert refused.exit_code == 1 and "is not a checkpoint emolens wrote" in refused.output, refused.output
