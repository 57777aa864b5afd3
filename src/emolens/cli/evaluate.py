"""`emolens evaluate`: accuracy, macro-F1, per-class metrics and calibration of a model on labelled crops,
and with --out a full report (confusion matrices, ROC, reliability diagram, most confident mistakes)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from tqdm import tqdm

from emolens.cli.options import labelled_data_option
from emolens.data.facesets import SPLITS
from emolens.evaluation.evaluate import evaluate_model
from emolens.vision.classify import OnnxClassifier

__all__ = ["command"]


@click.command("evaluate")
@labelled_data_option
@click.option(
    "--split",
    type=click.Choice(SPLITS),
    default="test",
    show_default=True,
    help="FER2013 split (test: PrivateTest, val: PublicTest, train: Training); class folders use every image.",
)
@click.option(
    "--model", type=click.Path(dir_okay=False), help="An .onnx model with its .json card (default: the shipped model)."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (accuracy, macro_f1, per_class, ...).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write a report folder (report.md, report.json, PNGs).",
)
@click.option("--tta", is_flag=True, help="Test-time augmentation: average 6 views of each crop (mirrored, shifted).")
def command(data: str, split: str, model: str | None, as_json: bool, out: Path | None, tta: bool) -> None:
    """Score an emotion model on a data set of face crops (no face detection)."""
    classifier = OnnxClassifier(model)
    with tqdm(unit="img", disable=None if not as_json else True, leave=False) as bar:
        result = evaluate_model(classifier, data, split, progress=bar.update, tta=tta)  # type: ignore[arg-type]
    card = classifier.card
    header = {"model": card.name, "model_version": card.version, "data": data, "split": split}
    if out is not None:
        from emolens.reports.evaluation import write_evaluation_report

        path = write_evaluation_report(result, out, header)
        click.echo(f"report: {path}", err=True)
    if as_json:
        click.echo(json.dumps({**header, **result.to_dict()}))
        return
    report = result.report
    click.echo(
        f"model {card.name} {card.version} on {data} ({split}): {result.images} images" + (" with TTA" if tta else "")
    )
    click.echo(f"accuracy {report.accuracy:.4f}  macro-F1 {report.macro_f1:.4f}  ECE {result.ece:.4f}")
    click.echo(f"{'class':<10}{'precision':>10}{'recall':>8}{'f1':>8}{'support':>9}")
    for e in report.labels:
        click.echo(
            f"{e.value:<10}{report.precision[e]:>10.3f}{report.recall[e]:>8.3f}{report.f1[e]:>8.3f}{report.support[e]:>9}"
        )
    for name, count in result.skipped_classes.items():
        click.echo(f"note: the model has no class {name!r}; its {count} images were not scored")
    for name in result.absent_classes:
        click.echo(f"note: the data has no images of {name!r}")
    if result.unreadable:
        click.echo(f"note: {len(result.unreadable)} unreadable images skipped, e.g. {result.unreadable[0]}")
