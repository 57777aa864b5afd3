"""The cross-domain report: per condition the detection rate, accuracy, recall of every class, mirror and
jitter agreement, as Markdown + PNG + JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from emolens.evaluation.robustness import Robustness
from emolens.reports.document import Report, markdown_table
from emolens.reports.plots import matrix_plot

__all__ = ["write_robustness_report"]

_FRAGILE = ("angry", "disgust", "fear")


def _optional(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _conditions_table(result: Robustness) -> str:
    rows = []
    for c in result.conditions:
        recall = {e.value: r for e, r in c.report.recall.items()} if c.report else {}
        rows.append(
            [
                c.condition.name,
                c.detection_rate,
                c.report.accuracy if c.report else "-",
                c.end_to_end_accuracy,
                c.report.macro_f1 if c.report else "-",
                *(_optional(recall.get(name)) for name in _FRAGILE),
                _optional(c.mirror_agreement),
                _optional(c.jitter_agreement),
                f"{c.ms_per_frame:.0f}",
            ]
        )
    header = ["condition", "detected", "accuracy", "end-to-end", "macro-F1", *_FRAGILE, "mirror", "jitter", "ms/frame"]
    return markdown_table(header, rows)


def _recall_figure(report: Report, result: Robustness) -> None:
    labels = [e.value for e in result.pooled.labels]
    values = np.array(
        [
            [c.report.recall[e] if c.report and c.report.support[e] else np.nan for e in result.pooled.labels]
            for c in result.conditions
        ]
        + [[result.pooled.recall[e] for e in result.pooled.labels]]
    )
    names = [c.condition.name for c in result.conditions] + ["all (pooled)"]
    matrix_plot(report.figure_path("recall_per_condition"), values, names, labels, "recall of each class (faces found)")


def write_robustness_report(result: Robustness, out: Path, header: dict[str, Any]) -> Path:
    """Write report.md, report.json and the recall figure of ``result`` into ``out``."""
    report = Report(out, f"Cross-domain checks of {header.get('model')} {header.get('model_version')}")
    pooled = result.pooled
    summary = (
        f"{result.faces:,} faces of {header.get('data')} ({header.get('split')}, balanced sample, seed "
        f"{result.seed}), each pasted into a 640 x 480 frame per condition and run through `Analyzer.analyze` "
        f"(detector {header.get('detector')}). Pooled over every condition: accuracy **{pooled.accuracy:.4f}**, "
        f"macro-F1 **{pooled.macro_f1:.4f}**; mirror agreement **{_optional(result.mirror_agreement)}**, "
        f"box-jitter agreement **{_optional(result.jitter_agreement)}**."
    )
    rows = [[e.value, pooled.precision[e], pooled.recall[e], pooled.f1[e], pooled.support[e]] for e in pooled.labels]
    report.add("Summary", summary + "\n\n" + markdown_table(["class", "precision", "recall", "F1", "support"], rows))
    report.add(
        "Per condition",
        "Accuracy, macro-F1 and recall are over the faces found; end-to-end counts a face not found as wrong. "
        "Mirror: the share of faces with the same class in the mirrored frame (faces found in both). Jitter: the "
        "share whose class is the same for the detected box moved by +-3 px in x and y and scaled by +-5%. "
        "ms/frame is the wall time of `analyze` on this machine.\n\n" + _conditions_table(result),
    )
    _recall_figure(report, result)
    report.add("Recall per condition", "", ["recall_per_condition"])
    report.data = {**header, **result.to_dict()}
    return report.write()
