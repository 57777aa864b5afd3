"""The written data-audit report: Markdown with the numbers, the figures, and report.json."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from emolens.audit.findings import AuditFindings
from emolens.audit.label_report import write_label_section
from emolens.audit.labels import LabelFindings
from emolens.data.facesets import FaceSet
from emolens.reports import Report
from emolens.reports.document import markdown_table
from emolens.reports.plots import bar_chart, image_grid
from emolens.types import EMOTIONS

__all__ = ["write_audit_report"]

_SPLIT_NAMES = {"train": "train (Training)", "val": "val (PublicTest)", "test": "test (PrivateTest)", "all": "all"}


def _counts_section(report: Report, findings: AuditFindings) -> None:
    splits = list(findings.counts)
    rows = [
        [e.value, *(findings.counts[s][e.value] for s in splits), findings.class_weights.get(e.value, "-")]
        for e in EMOTIONS
    ]
    rows.append(["total", *(sum(findings.counts[s].values()) for s in splits), ""])
    bar_chart(
        report.figure_path("class_distribution"),
        [e.value for e in EMOTIONS],
        {_SPLIT_NAMES.get(s, s): [findings.counts[s][e.value] for e in EMOTIONS] for s in splits},
        "images per class and split",
        "images",
    )
    text = markdown_table(["class", *(_SPLIT_NAMES.get(s, s) for s in splits), "class weight"], rows)
    text += "\n\nClass weights are n / (classes x n_class) on the training images: 1 is an average class."
    report.add("Images per split and class", text, ["class_distribution"])


def _duplicates_section(report: Report, findings: AuditFindings) -> None:
    keys = [
        "groups",
        "images",
        "redundant_copies",
        "cross_split_groups",
        "conflicting_label_groups",
        "conflicting_label_images",
        "largest_group",
    ]
    rows = [[k.replace("_", " "), findings.exact[k], findings.near[k]] for k in keys]
    for split in findings.exact["held_out_images_with_a_train_copy"]:
        rows.append(
            [
                f"{split} images with a copy in train (leakage)",
                findings.exact["held_out_images_with_a_train_copy"][split],
                findings.near["held_out_images_with_a_train_copy"][split],
            ]
        )
    text = markdown_table(
        ["duplicates", "exact (identical pixels)", f"near (pHash within {findings.near['max_hamming_bits']} bits)"],
        rows,
    )
    text += (
        "\n\nNear-duplicate groups join pairs of perceptual hashes (64-bit DCT pHash) transitively"
        " and include the exact copies; nearly blank crops are only matched exactly. Pairs by Hamming distance: "
        f"{findings.near['pairs_by_distance']}."
    )
    report.add("Duplicates, leakage and conflicting labels", text, ["near_duplicates"])


def _quality_section(report: Report, findings: AuditFindings) -> None:
    q = findings.quality
    names = [n for n in q["totals"]]
    rows = [[_SPLIT_NAMES.get(s, s), *(q["per_split"][s][n] for n in names)] for s in q["per_split"]]
    rows.append(["total", *(q["totals"][n] for n in names)])
    limits = ", ".join(f"{k} {v}" for k, v in q["thresholds"].items())
    text = markdown_table(["split", *(n.replace("_", " ") for n in names)], rows)
    text += f"\n\nThresholds: {limits}. Medians: {q['measures_median']}."
    report.add("Low-quality images", text, ["low_quality"])


def _sample_grid(report: Report, faces: FaceSet, per_class: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    images, titles = [], []
    for i, emotion in enumerate(EMOTIONS):
        chosen = rng.permutation(np.flatnonzero(faces.labels == i))[:per_class]
        images += [faces.images[j] for j in chosen]
        titles += [emotion.value] * len(chosen)
    image_grid(report.figure_path("samples"), images, titles, per_class, "random samples per class")


def _example_figures(report: Report, faces: FaceSet, findings: AuditFindings) -> None:
    pairs = findings.near_pairs
    conflict = faces.labels[pairs[:, 0]] != faces.labels[pairs[:, 1]] if len(pairs) else np.zeros(0, bool)
    cross = faces.splits[pairs[:, 0]] != faces.splits[pairs[:, 1]] if len(pairs) else np.zeros(0, bool)
    order = np.argsort(-(conflict.astype(int) * 2 + cross.astype(int)), kind="stable")[:12]
    images, titles = [], []
    for a, b in pairs[order]:
        for j in (a, b):
            images.append(faces.images[j])
            titles.append(f"{faces.splits[j]} {EMOTIONS[faces.labels[j]].value}")
    image_grid(report.figure_path("near_duplicates"), images, titles, 6, "near-duplicate pairs (side by side)")
    images, titles = [], []
    for name, mask in findings.flags.items():
        for j in np.flatnonzero(mask)[:6]:
            images.append(faces.images[j])
            titles.append(name.replace("_", " "))
    image_grid(report.figure_path("low_quality"), images, titles, 6, "low-quality examples")


def _image_lists(out: Path, faces: FaceSet, findings: AuditFindings) -> None:
    """duplicates.csv (every image in a near-duplicate group, with its exact group) and low_quality.csv,
    so that a data set can be cleaned or a leak-free test split built."""
    near, exact = findings.groups["near"], findings.groups["exact"]
    members = np.flatnonzero(np.bincount(near)[near] > 1)
    members = members[np.lexsort((faces.splits[members], near[members]))]
    with (out / "duplicates.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["near_group", "exact_group", "split", "label", "image"])
        for i in members:
            writer.writerow([near[i], exact[i], faces.splits[i], EMOTIONS[faces.labels[i]].value, faces.names[i]])
    with (out / "low_quality.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["problem", "split", "label", "image"])
        for name, mask in findings.flags.items():
            for i in np.flatnonzero(mask):
                writer.writerow([name, faces.splits[i], EMOTIONS[faces.labels[i]].value, faces.names[i]])


def _label_data(faces: FaceSet, labels: LabelFindings, top: int = 50) -> dict[str, object]:
    """The label-consistency counts and the top candidates, for report.json."""
    threshold = labels.summary["model"].get("threshold", 1.0)
    ranked = [
        {
            "image": faces.names[c.image],
            "split": str(faces.splits[c.image]),
            "label": c.label.value,
            "suggested": c.suggested.value,
            "score": c.score,
            "reason": c.reason(threshold),
        }
        for c in labels.candidates[:top]
    ]
    return {**labels.summary, "top": ranked}


def write_audit_report(
    faces: FaceSet, findings: AuditFindings, source: str, out: Path, samples_per_class: int, seed: int
) -> Path:
    """Write report.md, report.json and the figures of an audit into ``out``; returns report.md."""
    report = Report(out, f"Data audit of {source}")
    total = len(faces) + len(faces.unreadable)
    report.add(
        "Layout",
        f"Layout **{faces.layout}**, {total:,} images, {len(faces.unreadable):,} unreadable"
        + "".join(f"\n- {name}: {why}" for name, why in list(faces.unreadable.items())[:20]),
    )
    _counts_section(report, findings)
    _sample_grid(report, faces, samples_per_class, seed)
    report.add("Samples", "", ["samples"])
    _example_figures(report, faces, findings)
    _duplicates_section(report, findings)
    _quality_section(report, findings)
    if findings.labels is not None:
        write_label_section(report, faces, findings.groups["near"], findings.labels)
    _image_lists(report.folder, faces, findings)
    report.add(
        "Image lists",
        "`duplicates.csv` lists every image of a near-duplicate group (with its exact group); "
        "`low_quality.csv` every flagged image; `label_candidates.csv` every candidate label error ranked by "
        "score, `model_disagreements.csv` the model's confident disagreements ranked by probability.",
    )
    report.data = {
        "source": source,
        "layout": faces.layout,
        "images": total,
        "unreadable": faces.unreadable,
        "counts": findings.counts,
        "class_weights": findings.class_weights,
        "exact_duplicates": findings.exact,
        "near_duplicates": findings.near,
        "quality": findings.quality,
        **({"label_consistency": _label_data(faces, findings.labels)} if findings.labels is not None else {}),
    }
    return report.write()
