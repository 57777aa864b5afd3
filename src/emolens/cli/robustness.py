"""`emolens robustness`: cross-domain checks of the whole-photo path (detect, align, classify) on test faces
pasted into larger frames under shifts of size, background, lighting, blur, JPEG, noise and rotation."""

from __future__ import annotations

import json
from pathlib import Path

import click
from tqdm import tqdm

from emolens.cli.options import analyzer_options, build_analyzer, labelled_data_option
from emolens.data.facesets import SPLITS

__all__ = ["command"]


@click.command("robustness")
@labelled_data_option
@click.option("--split", type=click.Choice(SPLITS), default="test", show_default=True, help="Which faces to use.")
@click.option("--limit", type=click.IntRange(1), help="A balanced sample of this many faces (default: every face).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the sample and of the frames.")
@click.option(
    "--condition",
    "names",
    multiple=True,
    help="Run only these conditions (repeatable; default: all, listed in the report).",
)
@click.option(
    "--jitter-px", type=click.FloatRange(0), default=3.0, show_default=True, help="Box offset of the jitter check."
)
@click.option(
    "--jitter-scale",
    type=click.FloatRange(0, 0.5),
    default=0.05,
    show_default=True,
    help="Box scaling of the jitter check.",
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Write a report folder.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with every figure.")
@analyzer_options
def command(
    data: str,
    split: str,
    limit: int | None,
    seed: int,
    names: tuple[str, ...],
    jitter_px: float,
    jitter_scale: float,
    out: Path | None,
    as_json: bool,
    model: str | None,
    detector: str,
    min_face_score: float,
) -> None:
    """Detection, accuracy, per-class recall, mirror and box-jitter agreement of the whole-photo path."""
    from emolens.evaluation.robustness import check_robustness
    from emolens.evaluation.samples import load_test_faces
    from emolens.evaluation.scenes import default_conditions

    conditions = default_conditions()
    unknown = sorted(set(names) - {c.name for c in conditions})
    if unknown:
        known = ", ".join(c.name for c in conditions)
        raise click.BadParameter(f"unknown condition {unknown[0]!r}; choose among {known}", param_hint="--condition")
    conditions = [c for c in conditions if not names or c.name in names]
    analyzer = build_analyzer(model, detector, min_face_score)
    card = analyzer.classifier.card
    faces = load_test_faces(data, card, split, limit, seed)  # type: ignore[arg-type]
    with tqdm(total=len(faces) * len(conditions), unit="frame", disable=True if as_json else None, leave=False) as bar:
        result = check_robustness(analyzer, faces, conditions, seed, jitter_px, jitter_scale, bar.update)
    header = {"model": card.name, "model_version": card.version, "data": data, "split": split, "detector": detector}
    if out is not None:
        from emolens.reports.robustness import write_robustness_report

        click.echo(f"report: {write_robustness_report(result, out, header)}", err=True)
    if as_json:
        click.echo(json.dumps({**header, **result.to_dict()}))
        return
    click.echo(f"{card.name} {card.version}: {len(faces)} faces x {len(conditions)} conditions")
    click.echo(
        f"{'condition':<20}{'detected':>9}{'accuracy':>9}{'angry':>7}{'disgust':>8}{'fear':>6}{'mirror':>7}{'jitter':>7}"
    )
    for c in result.conditions:
        recall = {e.value: v for e, v in c.report.recall.items()} if c.report else {}
        cells = [f"{recall.get(k, float('nan')):.2f}" for k in ("angry", "disgust", "fear")]
        extra = [f"{v:.2f}" if v is not None else "-" for v in (c.mirror_agreement, c.jitter_agreement)]
        accuracy = f"{c.report.accuracy:.3f}" if c.report else "-"
        click.echo(
            f"{c.condition.name:<20}{c.detection_rate:>9.3f}{accuracy:>9}{cells[0]:>7}{cells[1]:>8}{cells[2]:>6}"
            f"{extra[0]:>7}{extra[1]:>7}"
        )
    pooled = result.pooled
    click.echo(f"pooled: accuracy {pooled.accuracy:.4f}  macro-F1 {pooled.macro_f1:.4f}")
