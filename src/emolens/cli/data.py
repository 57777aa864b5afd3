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


@command.command("scene-crops")
@click.argument("data", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the crops (Kaggle layout); it must not hold crops already.",
)
@click.option(
    "--split", type=click.Choice(["train", "val", "test"]), default="train", show_default=True, help="Split to use."
)
@click.option("--per-face", type=click.IntRange(1, 20), default=1, show_default=True, help="Frames per face.")
@click.option("--limit", type=click.IntRange(1), help="A class-balanced sample of N faces (drawn with --seed).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random conditions.")
def scene_crops(data: Path, out: Path, split: str, per_face: int, limit: int | None, seed: int) -> None:
    """Crops of DATA's faces as the whole-photo path sees them: each face pasted into a 640 x 480 frame under a
    random camera condition, found by the detector and aligned (training.scene_crops). Give the folder to a
    training config's ``extra_train``."""
    import numpy as np

    from emolens.data.facesets import load_faceset
    from emolens.evaluation.samples import balanced_indices
    from emolens.training.scene_crops import scene_crops as make_crops
    from emolens.training.scene_crops import write_scene_crops
    from emolens.vision.detect import MediaPipeDetector

    if out.exists() and any(out.iterdir()):
        raise click.BadParameter(f"{out} is not empty; give a new folder", param_hint="--out")
    faces = load_faceset(data, split)  # type: ignore[arg-type]
    if limit is not None:
        chosen = np.zeros(len(faces), bool)
        chosen[balanced_indices(faces.labels, limit, seed)] = True
        faces = faces.select(chosen)
    detector = MediaPipeDetector(tile_px=320, tiles="auto")
    with tqdm(total=len(faces), unit="face", disable=None) as bar:
        made = make_crops(faces.images, detector, per_face, seed, progress=bar.update)
    written = write_scene_crops(out, split, made, faces.labels, faces.names)
    click.echo(
        f"{written:,} crops of {len(faces):,} faces x {per_face} frames written to {out} "
        f"(face found in {made.found_rate:.1%} of the frames)"
    )
