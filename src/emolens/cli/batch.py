"""`emolens batch`: many images and videos into one Parquet result, on local processes or a Ray cluster."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

import click
from tqdm import tqdm

from emolens.cli.options import analyzer_options, attach_people, db_option, smoothing_option

if TYPE_CHECKING:
    from emolens.batch import BatchOptions, Runner
    from emolens.vision.recognize import Gallery

__all__ = ["EXIT_SOME_FAILED", "command"]

EXIT_SOME_FAILED = 3


def _gallery(db: str | None, people: bool) -> Gallery | None:
    """The enrolled people when asked for (dlib loads only then)."""
    if not people:
        return None
    from emolens.vision.recognize import DlibRecognizer

    holder = SimpleNamespace(recognizer=DlibRecognizer(), gallery=None)
    attach_people(holder, db, people)
    return holder.gallery


def _runner(options: BatchOptions, gallery: Gallery | None, workers: int | None, ray: str | None) -> Runner:
    from emolens.batch import LocalRunner, RayRunner

    if ray:
        return RayRunner(options, gallery, ray, workers)
    return LocalRunner(options, gallery, workers or os.cpu_count() or 1)


@click.command("batch")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@click.option("--workers", type=click.IntRange(min=1), help="Workers, one Analyzer each [default: one per CPU].")
@click.option(
    "--ray", metavar="ADDRESS", help="Run on a Ray cluster: 'auto' (the one this machine is in) or HOST:PORT."
)
@click.option(
    "--sample-fps",
    type=click.FloatRange(min=0, min_open=True),
    default=4.0,
    show_default=True,
    help="Video frames analysed per second of video.",
)
@click.option(
    "--unit-frames",
    type=click.IntRange(min=1),
    default=240,
    show_default=True,
    help="Sampled frames per unit of work: a long video is split into units that run on every worker.",
)
@smoothing_option
@analyzer_options
@click.option("--people/--no-people", default=False, show_default=True, help="Name enrolled people (slower).")
@db_option
def command(
    inputs: tuple[Path, ...],
    out: Path,
    workers: int | None,
    ray: str | None,
    sample_fps: float,
    unit_frames: int,
    smoothing: float,
    model: str | None,
    detector: str,
    min_face_score: float,
    people: bool,
    db: str | None,
) -> None:
    """Analyse the images and videos in INPUTS (files or folders, walked recursively) into OUT.

    OUT gets faces.parquet (one row per face per sampled frame), files.parquet (one row per file) and
    errors.csv. A rerun into the same OUT skips the work already finished. Exit code 0 when every file was
    analysed, 3 when some failed or lost frames (listed on stderr and in errors.csv), 2 on a usage error.
    """
    from emolens.batch import BatchOptions, run_batch

    options = BatchOptions(model, detector, min_face_score, smoothing, sample_fps=sample_fps, unit_frames=unit_frames)
    gallery = _gallery(db, people)
    runner = _runner(options, gallery, workers, ray)
    bar = tqdm(unit="frame", disable=None, smoothing=0.1)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    try:
        report = run_batch(inputs, out, options, runner, gallery, progress)
    finally:
        bar.close()
    click.echo(
        f"{len(report.files)} files, {report.units} units ({report.resumed_units} finished earlier), "
        f"{report.faces} face observations -> {out}",
        err=True,
    )
    for failed in report.failed:
        click.echo(f"{failed.status}: {failed.file}: {failed.error}", err=True)
    if report.failed:
        raise SystemExit(EXIT_SOME_FAILED)
