"""The `emolens` command group; maps emolens errors to a one-line message and exit code 2."""

from __future__ import annotations

import logging
from typing import Any

import click

from emolens import __version__
from emolens.errors import EmolensError

__all__ = ["cli"]


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except EmolensError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(2)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="emolens")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def cli(verbose: int) -> None:
    """emolens: faces, emotions and calibrated confidences from images, videos and cameras, offline."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def _register() -> None:
    from emolens.cli import (
        batch,
        bench,
        checkpoint,
        data,
        drift,
        evaluate,
        explain,
        live,
        people,
        predict,
        retrain,
        robustness,
        serve,
        train,
        video,
    )

    for module in (
        predict,
        video,
        live,
        evaluate,
        bench,
        serve,
        people,
        data,
        explain,
        checkpoint,
        drift,
        retrain,
        robustness,
    ):
        cli.add_command(module.command)
    cli.add_command(train.train_command)
    cli.add_command(train.export_command)
    cli.add_command(batch.command)


_register()
