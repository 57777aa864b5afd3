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
def audit(data: Path, out: Path, near_bits: int) -> None:
    """Audit DATA (Kaggle FER2013 folders, class folders or fer2013.csv): counts, duplicates, leakage, quality."""
    from emolens.audit import AuditConfig, run_audit

    with tqdm(unit="img", desc="reading", disable=None, leave=False) as bar:
        findings, report = run_audit(data, out, AuditConfig(near_distance=near_bits), progress=bar.update)
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
    click.echo(f"report: {report}")
