"""The candidate-label-error part of an audit report: ranked CSV lists, thumbnail grids and a section."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from emolens.audit.labels import LabelCandidate, LabelFindings
from emolens.data.facesets import FaceSet
from emolens.reports import Report
from emolens.reports.document import markdown_table
from emolens.reports.plots import image_grid
from emolens.types import EMOTIONS

__all__ = ["write_label_section"]

_GRID = 48  # thumbnails per grid
_COLUMNS = ("rank", "score", "image", "split", "label", "suggested", "model_class", "model_prob", "label_prob")


def _number(value: float) -> str:
    return "" if math.isnan(value) else f"{value:.4f}"


def _write_csv(path: Path, faces: FaceSet, ranked: list[LabelCandidate], threshold: float) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*_COLUMNS, "margin", "duplicate_label", "duplicate_votes", "group_size", "reason"])
        for rank, c in enumerate(ranked, start=1):
            writer.writerow(
                [
                    rank,
                    f"{c.score:.4f}",
                    faces.names[c.image],
                    faces.splits[c.image],
                    c.label.value,
                    c.suggested.value,
                    c.predicted.value if c.predicted else "",
                    _number(c.predicted_prob),
                    _number(c.label_prob),
                    _number(c.margin),
                    c.duplicate_label.value if c.duplicate_label else "",
                    c.duplicate_votes,
                    c.group_size,
                    c.reason(threshold),
                ]
            )


def _grid(report: Report, name: str, faces: FaceSet, ranked: list[LabelCandidate], title: str) -> None:
    shown = ranked[:_GRID]
    captions = [
        f"#{i} {c.label.value}->{c.suggested.value}"
        + (f" {c.predicted_prob:.2f}" if c.predicted == c.suggested else "")
        for i, c in enumerate(shown, start=1)
    ]
    image_grid(report.figure_path(name), [faces.images[c.image] for c in shown], captions, 8, title)


def _conflict_pairs(report: Report, faces: FaceSet, groups: np.ndarray, ranked: list[LabelCandidate]) -> None:
    """Each outvoted image beside a copy that carries the label its group votes for."""
    images, captions = [], []
    outvoted = [(c, c.duplicate_label) for c in ranked if c.duplicate_label is not None]
    for c, other in outvoted[: _GRID // 2]:
        copies = np.flatnonzero((groups == groups[c.image]) & (faces.labels == EMOTIONS.index(other)))
        images += [faces.images[c.image], faces.images[copies[0]]]
        captions += [f"{faces.splits[c.image]} {c.label.value}", f"copy: {other.value}"]
    image_grid(report.figure_path("label_conflicts"), images, captions, 8, "outvoted image | a copy (pairs)")


def _top_table(faces: FaceSet, ranked: list[LabelCandidate], threshold: float, count: int = 20) -> str:
    rows = [
        [i, f"{c.score:.3f}", Path(faces.names[c.image]).name, c.label.value, c.suggested.value, c.reason(threshold)]
        for i, c in enumerate(ranked[:count], start=1)
    ]
    return markdown_table(["rank", "score", "image", "label", "suggested", "why"], rows)


def write_label_section(report: Report, faces: FaceSet, groups: np.ndarray, found: LabelFindings) -> None:
    """label_candidates.csv, model_disagreements.csv, the grids and a 'Candidate label errors' section."""
    summary = found.summary
    threshold = summary["model"].get("threshold", 1.0)
    _write_csv(report.folder / "label_candidates.csv", faces, found.candidates, threshold)
    _grid(
        report,
        "label_candidates",
        faces,
        found.candidates,
        "candidate label errors: label->suggested (the model's p when it suggests it)",
    )
    _conflict_pairs(report, faces, groups, found.candidates)
    figures = ["label_candidates", "label_conflicts"]
    dup = summary["duplicates"]
    text = (
        f"{summary['candidates']:,} candidates, ranked by score = 1 - (1 - model's probability off the label) "
        "x (1 - share of the near-duplicate group voting for another label). "
        f"{dup['outvoted_images']:,} images are outvoted or tied by their near duplicates; "
        f"{summary['both_signals']:,} are also confident model disagreements "
        f"({summary['both_signals_same_suggestion']:,} with the same suggested label).\n\n"
        + markdown_table(["label", "duplicates vote", "images"], dup["pairs"][:12])
    )
    model = summary["model"]
    if model["used"]:
        _write_csv(report.folder / "model_disagreements.csv", faces, found.model_disagreements, threshold)
        _grid(report, "model_disagreements", faces, found.model_disagreements, f"model p >= {threshold} off the label")
        figures.insert(1, "model_disagreements")
        text += (
            f"\n\nModel {model['name']}: {model['disagreements']:,} of {model['images_scored']:,} images get "
            f"p >= {threshold} on another class ({model['seconds']} s, {model['ms_per_face']} ms per face).\n\n"
            + markdown_table(["label", "model says", "images"], model["pairs"][:12])
        )
    text += "\n\nTop candidates (all in `label_candidates.csv`):\n\n" + _top_table(faces, found.candidates, threshold)
    report.add("Candidate label errors", text, figures)
