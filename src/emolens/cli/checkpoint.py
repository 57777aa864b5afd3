"""`emolens checkpoint pack|unpack|interpolate`: move a resumable run between sessions in files under 20 MB, or
blend two checkpoints of one net."""

from __future__ import annotations

import json
from pathlib import Path

import click

from emolens.errors import CheckpointError

__all__ = ["command"]

_RUN = click.Path(file_okay=False, path_type=Path)


@click.group("checkpoint")
def command() -> None:
    """Pack a run's last checkpoint into small files (e.g. to commit), unpack it to resume, or blend two."""


@command.command("pack")
@click.argument("run", type=_RUN)
@click.option("--out", required=True, type=_RUN, help="Folder for weights.pt, state.pt and config.json.")
def pack_command(run: Path, out: Path) -> None:
    """Split RUN/last.pt into files under 20 MB (momentum kept as bfloat16)."""
    from emolens.training.checkpoint_parts import pack

    try:
        files = pack(run, out)
    except CheckpointError as exc:
        raise click.ClickException(str(exc)) from exc
    for path in files:
        click.echo(f"{path} {path.stat().st_size / 1e6:.1f} MB")


@command.command("unpack")
@click.argument("folder", type=_RUN)
@click.option("--out", required=True, type=_RUN, help="Run folder to rebuild; then `emolens train --resume`.")
def unpack_command(folder: Path, out: Path) -> None:
    """Rebuild RUN/last.pt from a packed FOLDER."""
    from emolens.training.checkpoint_parts import unpack

    try:
        click.echo(unpack(folder, out))
    except CheckpointError as exc:
        raise click.ClickException(str(exc)) from exc


@command.command("interpolate")
@click.argument("start", type=click.Path(exists=True, path_type=Path))
@click.argument("end", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--alpha", required=True, type=click.FloatRange(0, 1), help="END's share of the weights (0: START, 1: END)."
)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The .pt to write.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False),
    help="Training config naming the net and data (default: END's run config.json).",
)
def interpolate_command(start: Path, end: Path, alpha: float, out: Path, config_path: str | None) -> None:
    """Blend two checkpoints of one net (packed folders, run folders or .pt files), e.g. a model and its
    fine-tune; BatchNorm is recomputed on training images. Export the result with `emolens export OUT`."""
    from emolens.errors import EmolensError
    from emolens.training.config import load_config
    from emolens.training.interpolate import interpolate_checkpoints

    if config_path is None:
        guess = (end if end.is_dir() else end.parent) / "config.json"
        if not guess.is_file():
            raise click.BadParameter(f"{guess} does not exist; name the training config", param_hint="--config")
        config_path = str(guess)
    try:
        result = interpolate_checkpoints(start, end, alpha, load_config(config_path), out)
    except EmolensError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(result, indent=2))
