"""The drift report folder: report.md (verdict, a table of every test, the thresholds), report.json and one
PNG per test with the reference and the new distribution overlaid."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from emolens.monitoring.drift import THRESHOLDS, DriftReport
from emolens.monitoring.features import Measurements
from emolens.monitoring.profile import Profile
from emolens.reports.document import Report, markdown_table
from emolens.reports.plots import bar_chart

__all__ = ["write_drift_report"]


def _save(fig: plt.Figure, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _overlay(path: Path, reference: np.ndarray, new: np.ndarray, title: str) -> None:
    """Two densities on shared bins: the reference filled, the new data outlined."""
    fig, ax = plt.subplots(figsize=(4.6, 3.0))
    low, high = np.percentile(np.concatenate([reference, new]), [0.5, 99.5])
    bins = np.linspace(low, high if high > low else low + 1, 30)
    ax.hist(reference, bins, density=True, alpha=0.45, label=f"reference ({len(reference)})")
    ax.hist(new, bins, density=True, histtype="step", linewidth=1.8, label=f"new ({len(new)})")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    _save(fig, path)


def _scatter(path: Path, reference: np.ndarray, new: np.ndarray, title: str) -> None:
    fig, ax = plt.subplots(figsize=(4.2, 3.6))
    ax.scatter(reference[:, 0], reference[:, 1], s=5, alpha=0.4, label="reference")
    ax.scatter(new[:, 0], new[:, 1], s=5, alpha=0.4, label="new")
    ax.set_xlabel("PC 1")
    ax.set_ylabel("PC 2")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    _save(fig, path)


def _figures(report: Report, drift: DriftReport, profile: Profile, measured: Measurements) -> list[str]:
    names = []
    for result in drift.results:
        name = f"drift_{result.feature}"
        title = f"{result.feature}: {result.effect_name} {result.effect:.3f}, {result.level}"
        if result.feature == "prediction_mix":
            ref = np.array([profile.prediction_counts[k] for k in profile.labels], np.float64)
            new = np.bincount(measured.predicted, minlength=len(profile.labels)).astype(np.float64)
            series = {"reference": list(ref / ref.sum()), "new": list(new / new.sum())}
            bar_chart(report.figure_path(name), profile.labels, series, title, "share of faces")
        elif result.feature == "feature_summary":
            reference = np.asarray(profile.embedding_sample)
            _scatter(report.figure_path(name), reference, profile.project(measured.embedding), title)
        else:
            values = measured.numbers[result.feature]
            _overlay(report.figure_path(name), profile.sample(result.feature), values[np.isfinite(values)], title)
        names.append(name)
    return names


def write_drift_report(folder: Path, drift: DriftReport, profile: Profile, measured: Measurements, source: str) -> Path:
    """Write the report folder; returns report.md's path."""
    report = Report(folder, f"Drift of {source} against {profile.model} {profile.model_version}")
    flag = "**retraining is advised**" if drift.retrain else "no retraining needed"
    report.add(
        "Verdict",
        f"**{drift.verdict}** over {drift.faces:,} faces ({flag}). Reference: {profile.source}, "
        f"{profile.faces:,} faces. A test alarms when p < {drift.alpha_per_test:.2g} (0.01 family-wise, "
        "Bonferroni) and its effect reaches the warn or drift band.",
    )
    rows = [
        (r.feature, r.test, r.statistic, f"{r.p_value:.2g}", r.effect_name, r.effect, r.level, r.new_n)
        for r in drift.results
    ]
    header = ["feature", "test", "statistic", "p", "effect", "size", "level", "faces"]
    report.add("Tests", markdown_table(header, rows))
    bands = [(kind, warn, drift_at) for kind, (warn, drift_at) in THRESHOLDS.items()]
    report.add("Thresholds", markdown_table(["effect", "warn at", "drift at"], bands))
    if drift.skipped:
        report.add("Not tested", "\n".join(f"- {k}: {why}" for k, why in drift.skipped.items()))
    report.add("Distributions", "Reference against the new data, per test.", _figures(report, drift, profile, measured))
    report.data = {"source": source, "profile": {"model": profile.model, "source": profile.source}, **drift.to_dict()}
    return report.write()
