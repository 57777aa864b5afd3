"""`emolens retrain`: fine-tune on new labelled data, compare old and new on old and new data, and export
only when neither got worse beyond a tolerance; with --when-drifted, only when a drift report asks for it.
torch is imported inside the command, so the rest of the CLI runs without it."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import click

__all__ = ["command"]

_DATA = click.Path(exists=True, path_type=Path)


def _table(scores: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    """Old vs new, accuracy and macro-F1, on each data set."""
    lines = [f"{'data set':<16}{'images':>8}{'old acc':>10}{'new acc':>10}{'change':>9}{'old F1':>9}{'new F1':>9}"]
    for name, old in scores["old"].items():
        new = scores["new"][name]
        change = 100 * (new["accuracy"] - old["accuracy"])
        lines.append(
            f"{name:<16}{old['images']:>8,}{old['accuracy']:>10.4f}{new['accuracy']:>10.4f}{change:>+8.2f}p"
            f"{old['macro_f1']:>9.4f}{new['macro_f1']:>9.4f}"
        )
    return lines


@click.command("retrain")
@click.argument("new_data", type=_DATA)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The new .onnx model.")
@click.option(
    "--checkpoint",
    type=_DATA,
    default=Path("checkpoints/flagship-vgg-l"),
    show_default=True,
    help="Training checkpoint to start from: a packed folder, a run folder (best.pt) or a .pt file.",
)
@click.option("--model", type=click.Path(exists=True, dir_okay=False), help="The old model (default: the shipped one).")
@click.option(
    "--old-data", type=_DATA, default=Path("../shared/data/fer2013"), show_default=True, help="The old model's data."
)
@click.option(
    "--run", type=click.Path(file_okay=False, path_type=Path), help="Fine-tuning run folder (default: <out stem>-run)."
)
@click.option("--epochs", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--lr", type=click.FloatRange(min=0, min_open=True), default=0.005, show_default=True)
@click.option(
    "--tolerance",
    type=float,
    default=0.5,
    show_default=True,
    help="Accuracy points either data set may lose before the new model is refused.",
)
@click.option(
    "--holdout",
    type=click.FloatRange(0.05, 0.9),
    default=0.2,
    show_default=True,
    help="Share of the new data held out, when it has no splits.",
)
@click.option(
    "--replay", type=click.IntRange(min=0), default=500, show_default=True, help="Old training images per class."
)
@click.option("--version", help="Version for the new card (default: the old version + '.1').")
@click.option(
    "--when-drifted",
    "drift_report",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A drift report (JSON with a boolean 'retrain'); retrain only when it is true.",
)
@click.option("--threads", type=click.IntRange(min=0), default=0, help="torch threads (0: all cores).")
def command(
    new_data: Path,
    out: Path,
    checkpoint: Path,
    model: str | None,
    old_data: Path,
    run: Path | None,
    epochs: int,
    lr: float,
    tolerance: float,
    holdout: float,
    replay: int,
    version: str | None,
    drift_report: Path | None,
    threads: int,
) -> None:
    """Fine-tune on NEW_DATA (Kaggle folders, class folders or fer2013.csv); export to --out only when the old
    validation data (PublicTest) and the new held-out data both stay within --tolerance and the new data gains.
    Exit code 0 either way; 'decision: export' or 'decision: keep the old model' says which."""
    from emolens.training.retrain import RetrainPlan, read_drift_report, retrain
    from emolens.vision.classify import default_model_path

    if drift_report is not None and not read_drift_report(drift_report):
        click.echo(f"no retraining needed: {drift_report} says retrain = false")
        return
    logging.getLogger("emolens.training").setLevel(logging.INFO)
    plan = RetrainPlan(
        new_data=new_data,
        old_data=old_data,
        checkpoint=checkpoint,
        old_model=Path(model) if model else default_model_path(),
        run=run or out.with_name(f"{out.stem}-run"),
        out=out,
        epochs=epochs,
        lr=lr,
        holdout=holdout,
        replay_per_class=replay,
        tolerance_points=tolerance,
        threads=threads,
        version=version,
    )
    decision, summary = retrain(plan)
    for line in _table(decision.scores):
        click.echo(line)
    for reason in decision.reasons:
        click.echo(f"- {reason}")
    if decision.export:
        click.echo(f"decision: export; the new model is {summary['exported']}")
    else:
        click.echo(f"decision: keep the old model; the refused candidate stays in {summary['candidate']}")
