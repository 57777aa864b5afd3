"""`emolens checkpoint pack|unpack`: move a resumable run between sessions in files under 20 MB."""

from __future__ import annotations

from pathlib import Path

import click

from emolens.errors import CheckpointError

__all__ = ["command"]

_RUN = click.Path(file_okay=False, path_type=Path)


@click.group("checkpoint")
def command() -> None:
    """Pack a run's last checkpoint into small files (e.g. to commit), or unpack it to resume."""


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
