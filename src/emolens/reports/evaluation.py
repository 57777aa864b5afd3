"""The evaluation report: per-class metrics, confusion matrices, ROC curves, reliability diagram and ECE,
and the most confident mistakes, as Markdown + PNG + JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from emolens.evaluation.evaluate import Evaluation
from emolens.evaluation.metrics import reliability_bins, roc_curve
from emolens.reports.document import Report, markdown_table
from emolens.reports.plots import confusion_plot, image_grid, reliability_plot, roc_plot

__all__ = ["write_evaluation_report"]


def _per_class(report: Report, result: Evaluation) -> None:
    r = result.report
    rows = [[e.value, r.precision[e], r.recall[e], r.f1[e], r.support[e]] for e in r.labels]
    text = f"Accuracy **{r.accuracy:.4f}**, macro-F1 **{r.macro_f1:.4f}**, ECE **{result.ece:.4f}**"
    text += f" on {result.images:,} images"
    text += " with test-time augmentation (6 views)." if result.tta else "."
    report.add("Summary", text + "\n\n" + markdown_table(["class", "precision", "recall", "F1", "support"], rows))
    names = [e.value for e in r.labels]
    confusion_plot(report.figure_path("confusion_counts"), r.confusion, names, normalise=False)
    confusion_plot(report.figure_path("confusion_normalised"), r.confusion, names, normalise=True)
    report.add(
        "Confusion matrix",
        "Rows are the true class, columns the predicted one.",
        ["confusion_counts", "confusion_normalised"],
    )


def _roc(report: Report, result: Evaluation) -> dict[str, float]:
    curves = {}
    for i, e in enumerate(result.report.labels):
        positive = result.labels == i
        if positive.any() and not positive.all():
            curves[e.value] = roc_curve(result.probabilities[:, i], positive)
    roc_plot(report.figure_path("roc"), curves)
    aucs = {name: round(c[2], 4) for name, c in curves.items()}
    macro = round(float(np.mean(list(aucs.values()))), 4) if aucs else 0.0
    report.add(
        "ROC curves (one class against the rest)",
        markdown_table(["class", "AUC"], [*aucs.items(), ("macro", macro)]),
        ["roc"],
    )
    return {**aucs, "macro": macro}


def _calibration(report: Report, result: Evaluation) -> dict[str, Any]:
    confidence, accuracy, count = reliability_bins(result.probabilities, result.labels)
    reliability_plot(report.figure_path("reliability"), [("model (served confidences)", confidence, accuracy, count)])
    rows = [
        [f"{i / len(count):.2f}-{(i + 1) / len(count):.2f}", float(c), float(a), int(n)]
        for i, (c, a, n) in enumerate(zip(confidence, accuracy, count, strict=True))
        if n
    ]
    report.add(
        "Calibration",
        f"Expected calibration error (15 bins): **{result.ece:.4f}**. A confidence of 0.8 should be right "
        "80% of the time: points on the diagonal.\n\n"
        + markdown_table(["confidence bin", "mean confidence", "accuracy", "images"], rows),
        ["reliability"],
    )
    return {"ece": result.ece, "bins": rows}


def _mistakes(report: Report, result: Evaluation, count: int) -> list[dict[str, Any]]:
    predicted = result.probabilities.argmax(1)
    wrong = np.flatnonzero(predicted != result.labels)
    worst = wrong[np.argsort(-result.probabilities[wrong].max(1), kind="stable")][:count]
    labels = result.report.labels
    rows = [
        {
            "name": result.names[i] if result.names else str(i),
            "true": labels[result.labels[i]].value,
            "predicted": labels[predicted[i]].value,
            "confidence": round(float(result.probabilities[i].max()), 4),
        }
        for i in worst
    ]
    if result.images_data is not None and len(worst):
        titles = [f"{r['true']}->{r['predicted']} {r['confidence']:.2f}" for r in rows]
        image_grid(
            report.figure_path("confident_mistakes"),
            [result.images_data[i] for i in worst],
            titles,
            8,
            "most confident mistakes (true -> predicted, confidence)",
        )
    report.add(
        "Most confident mistakes",
        f"{len(wrong):,} mistakes; the {len(rows)} made with the highest confidence:",
        ["confident_mistakes"] if len(worst) else [],
    )
    return rows


def write_evaluation_report(result: Evaluation, out: Path, header: dict[str, Any], mistakes: int = 32) -> Path:
    """Write report.md, report.json and figures of ``result`` into ``out``; ``header`` names model and data."""
    report = Report(
        out,
        f"Evaluation of {header.get('model')} {header.get('model_version')} "
        f"on {header.get('data')} ({header.get('split')})",
    )
    _per_class(report, result)
    roc = _roc(report, result)
    calibration = _calibration(report, result)
    worst = _mistakes(report, result, mistakes)
    notes = [f"the model has no class {k!r}: {v} images not scored" for k, v in result.skipped_classes.items()]
    notes += [f"no images of {name!r}" for name in result.absent_classes]
    notes += (
        [f"{len(result.unreadable)} unreadable images skipped, e.g. {result.unreadable[0]}"]
        if result.unreadable
        else []
    )
    if notes:
        report.add("Notes", "\n".join(f"- {n}" for n in notes))
    report.data = {
        **header,
        **result.to_dict(),
        "roc_auc": roc,
        "calibration": calibration,
        "confident_mistakes": worst,
    }
    return report.write()
