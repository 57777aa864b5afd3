"""The explain report: probability bars, activation maps per layer and the class-activation heat map."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from emolens.evaluation.explain import Explanation
from emolens.reports.document import Report, markdown_table
from emolens.reports.plots import activation_grid, bar_chart, heatmap_overlay

__all__ = ["write_explanation_report"]


def write_explanation_report(result: Explanation, out: Path, header: dict[str, Any]) -> Path:
    """Write report.md, report.json and the three figures for one explained face."""
    report = Report(out, f"Why {header.get('model')} sees {result.target.value} in {header.get('image')}")
    labels = [e.value for e in result.probabilities]
    bar_chart(
        report.figure_path("probabilities"),
        labels,
        {"probability": list(result.probabilities.values())},
        "calibrated probabilities",
        "probability",
    )
    rows = sorted(((e.value, p) for e, p in result.probabilities.items()), key=lambda r: -r[1])
    report.add("Probabilities", markdown_table(["class", "probability"], rows), ["probabilities"])
    heatmap_overlay(
        report.figure_path("class_activation"),
        result.face,
        result.heatmap,
        f"{result.method} for {result.target.value}",
    )
    how = (
        "CAM: the last feature maps weighted by the class's output weights"
        if result.method == "CAM"
        else "occlusion: the drop of the class probability when each 8 x 8 patch is greyed out"
    )
    report.add(
        "Class-activation heat map",
        f"Where the evidence for **{result.target.value}** lies ({how}).",
        ["class_activation"],
    )
    activation_grid(report.figure_path("activations"), result.activations)
    report.add("Activation maps", f"{len(result.activations)} ReLU layers, shallow to deep.", ["activations"])
    report.data = {
        **header,
        "target": result.target.value,
        "method": result.method,
        "probabilities": dict(rows),
        "layers": {k: list(v.shape) for k, v in result.activations.items()},
    }
    return report.write()
