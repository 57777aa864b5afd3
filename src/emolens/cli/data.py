"""`emolens data audit`: validate a data set's layout and write a report on what is in it."""

from __future__ import annotations

from pathlib import Path

import click
from tqdm import tqdm

__all__ = ["command"]


@click.group("data")
def command() -> None:
    """Data-set tools."""


@command.command("audit")
@click.argument("data", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Report folder (report.md, report.json, PNGs).",
)
@click.option(
    "--near-bits",
    type=click.IntRange(0, 16),
    default=4,
    show_default=True,
    help="Most pHash bits (of 64) two near duplicates may differ in.",
)
@click.option(
    "--model",
    type=click.Path(exists=True, dir_okay=False),
    help="The .onnx model (with its card) whose confident disagreements are listed (default: the shipped model).",
)
@click.option("--no-model", is_flag=True, help="List only near duplicates that outvote a label; run no model.")
@click.option(
    "--min-prob",
    type=click.FloatRange(0.0, 1.0),
    default=0.9,
    show_default=True,
    help="Least probability the model must give another class to list an image as a candidate label error.",
)
def audit(data: Path, out: Path, near_bits: int, model: str | None, no_model: bool, min_prob: float) -> None:
    """Audit DATA (Kaggle FER2013 folders, class folders or fer2013.csv): counts, duplicates, leakage, quality,
    candidate label errors (near duplicates with other labels, the model's confident disagreements)."""
    from emolens.audit import AuditConfig, run_audit
    from emolens.vision.classify import OnnxClassifier

    if model and no_model:
        raise click.BadParameter("give --model or --no-model, not both", param_hint="--no-model")
    classifier = None if no_model else OnnxClassifier(model)
    config = AuditConfig(near_distance=near_bits, label_threshold=min_prob)
    with tqdm(unit="img", desc="reading", disable=None, leave=False) as bar:
        findings, report = run_audit(data, out, config, progress=bar.update, classifier=classifier)
    total = sum(sum(c.values()) for c in findings.counts.values())
    click.echo(f"{total:,} images in {', '.join(f'{s} {sum(c.values()):,}' for s, c in findings.counts.items())}")
    for kind, stats in (("exact", findings.exact), ("near", findings.near)):
        leaks = ", ".join(f"{s} {n}" for s, n in stats["held_out_images_with_a_train_copy"].items()) or "n/a"
        click.echo(
            f"{kind} duplicates: {stats['groups']:,} groups, {stats['images']:,} images; "
            f"held-out images with a train copy: {leaks}; "
            f"conflicting-label groups: {stats['conflicting_label_groups']:,}"
        )
    click.echo(
        "low quality: " + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in findings.quality["totals"].items())
    )
    if findings.labels is not None:
        summary = findings.labels.summary
        model_part = (
            f"{summary['model']['disagreements']:,} confident model disagreements (p >= {min_prob}, "
            f"{summary['model']['seconds']} s); "
            if summary["model"]["used"]
            else ""
        )
        click.echo(
            f"candidate label errors: {summary['candidates']:,} ({model_part}"
            f"{summary['duplicates']['outvoted_images']:,} outvoted by near duplicates)"
        )
    click.echo(f"report: {report}")
