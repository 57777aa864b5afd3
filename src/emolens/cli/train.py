"""`emolens train` and `emolens export`: train an emotion model from a config, export a run to ONNX.
torch is imported inside the commands, so the rest of the CLI runs without it."""

from __future__ import annotations

import json
import logging
import math
import os
from pathlib import Path
from typing import Any

import click

__all__ = ["export_command", "train_command"]


def _progress_hooks(epochs: int) -> tuple[Any, Any, Any]:
    """A tqdm bar over each epoch's steps (main process only) and an epoch summary line."""
    from tqdm import tqdm

    quiet = int(os.environ.get("RANK", "0")) != 0
    bar = tqdm(unit="step", disable=True if quiet else None, leave=False)

    def on_step(epoch: int, step: int, steps: int) -> None:
        if bar.total != steps:
            bar.reset(total=steps)
        bar.set_description(f"epoch {epoch + 1}/{epochs}")
        bar.n = step
        bar.refresh()

    def on_epoch(row: dict[str, float]) -> None:
        bar.write(
            f"epoch {int(row['epoch']) + 1}/{epochs}: train loss {row['train_loss']:.4f} acc {row['train_acc']:.4f}, "
            f"val loss {row['val_loss']:.4f} acc {row['val_acc']:.4f} ({row['seconds']:.0f} s)"
        )

    return bar, on_step, on_epoch


@click.command("train")
@click.option(
    "--data",
    type=click.Path(exists=True),
    help="Kaggle FER2013 folders, class folders or fer2013.csv (overrides the config).",
)
@click.option(
    "--config", "config_path", type=click.Path(exists=True, dir_okay=False), help="A YAML, TOML or JSON TrainConfig."
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Run folder: checkpoints, curves, report.",
)
@click.option("--epochs", type=click.IntRange(min=1), help="Overrides the config.")
@click.option("--net", help="A registered net (vgg-tiny, vgg-s, vgg-m, vgg-l); overrides the config.")
@click.option("--seed", type=int, help="Overrides the config.")
@click.option("--resume", is_flag=True, help="Continue from RUN/last.pt to the same result as an uninterrupted run.")
def train_command(
    data: str | None,
    config_path: str | None,
    out: Path,
    epochs: int | None,
    net: str | None,
    seed: int | None,
    resume: bool,
) -> None:
    """Train an emotion model; several processes with `torchrun --nproc-per-node N --no-python emolens train ...`."""
    from emolens.training.config import load_config
    from emolens.training.loop import train

    try:
        cfg = load_config(config_path, data=data, epochs=epochs, net=net, seed=seed)
    except (ValueError, TypeError) as exc:
        raise click.BadParameter(str(exc), param_hint="--config") from exc
    logging.getLogger("emolens.training").setLevel(logging.INFO)
    bar, on_step, on_epoch = _progress_hooks(cfg.epochs)
    with bar:
        result = train(cfg, out, resume=resume, on_step=on_step, on_epoch=on_epoch)
    if int(os.environ.get("RANK", "0")) == 0:
        click.echo(json.dumps(result))
        if (out / "report.md").is_file():
            click.echo(f"report: {out / 'report.md'}", err=True)


def _checkpoint_of(run: Path, which: str) -> Path:
    path = run / f"{which}.pt" if run.is_dir() else run
    if not path.is_file():
        kept = {"swa": "swa_epochs", "ema": "ema_decay"}
        hint = f" (a run keeps {which}.pt when its config sets {kept[which]})" if which in kept else ""
        raise click.BadParameter(
            f"{path} does not exist: give a run folder holding {which}.pt, or a .pt file{hint}", param_hint="RUN"
        )
    return path


def _parse_offsets(_ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, float]:
    offsets: dict[str, float] = {}
    for value in values:
        name, _, number = value.partition("=")
        try:
            offset = float(number)
        except ValueError:
            offset = math.nan
        if not name.strip() or not math.isfinite(offset):
            raise click.BadParameter(f"{value!r} is not CLASS=VALUE with a finite VALUE, e.g. angry=0.3", param=param)
        offsets[name.strip()] = offset
    return offsets


@click.command("export")
@click.argument("run", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The .onnx file; its card goes beside it.",
)
@click.option(
    "--data", type=click.Path(exists=True), help="Data for calibration and metrics (default: the run's config)."
)
@click.option(
    "--checkpoint",
    "which",
    type=click.Choice(["best", "last", "swa", "ema"]),
    default="best",
    show_default=True,
    help="best val accuracy, the last epoch, or a weight average (SWA, EMA) the run kept.",
)
@click.option("--name", help="Model name for the card (default: the file name).")
@click.option("--version", "version", default="1", show_default=True)
@click.option("--int8", is_flag=True, help="Also write an int8-quantised model and measure its accuracy.")
@click.option("--flip-average", is_flag=True, help="Average each face with its mirror image inside the graph (slower).")
@click.option(
    "--logit-offset",
    "offsets",
    multiple=True,
    callback=_parse_offsets,
    metavar="CLASS=VALUE",
    help="Add VALUE to CLASS's logit inside the graph (repeatable), e.g. angry=0.3; choose it on PublicTest.",
)
def export_command(
    run: Path,
    out: Path,
    data: str | None,
    which: str,
    name: str | None,
    version: str,
    int8: bool,
    flip_average: bool,
    offsets: dict[str, float],
) -> None:
    """Export RUN (a run folder or a .pt checkpoint) to ONNX: parity check, temperature fitted on PublicTest, card."""
    from emolens.training.export_run import export_run

    checkpoint = _checkpoint_of(run, which)
    config = (
        json.loads((checkpoint.parent / "config.json").read_text())
        if (checkpoint.parent / "config.json").exists()
        else {}
    )
    if data is None and "data" not in config:
        raise click.BadParameter("no --data given and the run has no config.json naming its data", param_hint="--data")
    summary = export_run(
        checkpoint, out, Path(data or config["data"]), name or out.stem, version, config, int8, flip_average, offsets
    )
    click.echo(json.dumps(summary, indent=2))
