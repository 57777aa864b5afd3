"""`emolens bench`: classifier throughput and whole-pipeline latency on the 640x480 benchmark frames."""

from __future__ import annotations

import json
from pathlib import Path

import click

from emolens.cli.options import analyzer_options, build_analyzer
from emolens.vision.benchmark import run_bench

__all__ = ["command"]


@click.command("bench")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@click.option("--repeat", type=click.IntRange(min=5), default=100, show_default=True, help="Timed runs per figure.")
@click.option(
    "--frames",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder with astronaut_640x480.png and astronaut4_640x480.png "
    "(default: $EMOLENS_BENCH_DIR, else the frames shipped in the package).",
)
@analyzer_options
def command(
    as_json: bool, repeat: int, frames: Path | None, model: str | None, detector: str, min_face_score: float
) -> None:
    """Time the classifier (batch 1 and 64) and the pipeline per 640x480 frame with 1 and 4 faces."""
    from emolens.config import load_settings

    frames_dir = load_settings(bench_dir=frames).bench_dir
    result = run_bench(build_analyzer(model, detector, min_face_score), repeat, frames_dir)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(f"model {result['model']} on {result['machine']}")
    for name, row in result["classifier"].items():
        click.echo(f"classifier {name}: {row['ms_per_face']:.3f} ms/face, {row['faces_per_s']:.0f} faces/s")
    for name, row in result["pipeline"].items():
        s, d, still = row["stream"], row["detection"], row["still_image"]
        click.echo(
            f"pipeline {name}: stream {s['median_ms']:.2f} ms median (p90 {s['p90_ms']:.2f}), "
            f"detection {d['median_ms']:.2f} ms, {row['faces_found_stream']} faces; "
            f"still image {still['median_ms']:.2f} ms, {row['faces_found_still']} faces"
        )
