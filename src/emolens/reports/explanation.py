"""The explain reports: for one face, probability bars, activation maps per layer, heat maps and their deletion
curves; over a data set, the mean deletion curve and area of each heat-map method against a random order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from emolens.evaluation.explain import OCCLUSION_PATCH_PX, OCCLUSION_STRIDE_PX, Explanation
from emolens.evaluation.faithfulness import DELETION_BLUR_SIGMA_PX, Faithfulness, curve_area
from emolens.reports.document import Report, markdown_table
from emolens.reports.plots import activation_grid, bar_chart, heatmap_overlay, line_plot

__all__ = ["write_explanation_report", "write_faithfulness_report"]

_HOW = {
    "CAM": "CAM: the last feature maps weighted by the class's output weights",
    "occlusion": f"occlusion: the drop of the class probability when each {OCCLUSION_PATCH_PX} x "
    f"{OCCLUSION_PATCH_PX} px patch (every {OCCLUSION_STRIDE_PX} px) is greyed out",
}
_DELETION = (
    "Deletion curve: the class probability as the pixels the map ranks highest are replaced first by a blurred "
    f"copy of the face (Gaussian, sigma {DELETION_BLUR_SIGMA_PX:g} px), against a random order. The faster it "
    "falls, the lower the area under the curve (AUC), the more faithful the map."
)


def _heatmaps(report: Report, result: Explanation) -> None:
    names = []
    for method, heat in result.heatmaps.items():
        name = "class_activation" if method == result.method else f"heatmap_{method.lower()}"
        heatmap_overlay(report.figure_path(name), result.face, heat, f"{method} for {result.target.value}")
        names.append(name)
    how = "; ".join(_HOW[m] for m in result.heatmaps)
    report.add("Heat maps", f"Where the evidence for **{result.target.value}** lies ({how}).", names)


def _deletion(report: Report, curves: dict[str, np.ndarray], target: str) -> dict[str, float]:
    areas = {name: round(curve_area(c), 4) for name, c in curves.items()}
    steps = len(next(iter(curves.values()))) - 1
    line_plot(
        report.figure_path("deletion_curve"),
        np.linspace(0, 1, steps + 1),
        {f"{name} (AUC {areas[name]:.3f})": c for name, c in curves.items()},
        f"deletion curve for {target}",
        "fraction of pixels removed",
        f"p({target})",
    )
    report.add(
        "Deletion curve", _DELETION + "\n\n" + markdown_table(["order", "AUC"], list(areas.items())), ["deletion_curve"]
    )
    return areas


def write_explanation_report(
    result: Explanation, out: Path, header: dict[str, Any], curves: dict[str, np.ndarray] | None = None
) -> Path:
    """Write report.md, report.json and the figures for one explained face; ``curves`` are its deletion
    curves (method or "random" -> probability per step)."""
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
    _heatmaps(report, result)
    areas = _deletion(report, curves, result.target.value) if curves else {}
    activation_grid(report.figure_path("activations"), result.activations)
    report.add("Activation maps", f"{len(result.activations)} ReLU layers, shallow to deep.", ["activations"])
    report.data = {
        **header,
        "target": result.target.value,
        "method": result.method,
        "methods": list(result.heatmaps),
        "deletion_auc": areas,
        "probabilities": dict(rows),
        "layers": {k: list(v.shape) for k, v in result.activations.items()},
    }
    return report.write()


def write_faithfulness_report(result: Faithfulness, out: Path, header: dict[str, Any]) -> Path:
    """Write the mean deletion curves and areas of each method over a data set into ``out``."""
    report = Report(
        out, f"Faithfulness of {header.get('model')}'s heat maps on {header.get('data')} ({header.get('split')})"
    )
    line_plot(
        report.figure_path("deletion_curves"),
        np.linspace(0, 1, result.steps + 1),
        {f"{name} (AUC {result.mean_area[name]:.3f})": c for name, c in result.mean_curves.items()},
        f"mean deletion curve over {result.faces:,} faces (predicted class)",
        "fraction of pixels removed",
        "probability of the predicted class",
    )
    rows = [
        [
            name,
            result.mean_area[name],
            f"{result.beats_random[name]:.1%}" if name in result.beats_random else "-",
            f"{1000 * result.seconds_per_face[name]:.0f}" if name in result.seconds_per_face else "-",
        ]
        for name in result.mean_curves
    ]
    report.add(
        "Deletion curves",
        _DELETION
        + f" Each face's map explains its predicted class; {result.faces:,} faces.\n\n"
        + markdown_table(["order", "mean AUC", "AUC below random's", "ms per map"], rows),
        ["deletion_curves"],
    )
    report.data = {**header, **result.to_dict()}
    return report.write()
