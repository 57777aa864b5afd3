"""The numbers of a data audit: counts, class weights, duplicates, leakage across splits, conflicting
labels and low-quality crops, computed from a FaceSet in memory with numpy."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from emolens.audit.hashing import duplicate_groups, exact_groups, hamming_pairs, perceptual_hashes
from emolens.audit.labels import LabelFindings
from emolens.audit.quality import QualityThresholds, quality_flags, quality_measures
from emolens.data.facesets import FaceSet
from emolens.types import EMOTIONS

__all__ = ["AuditConfig", "AuditFindings", "audit_faceset", "class_weights", "group_stats"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuditConfig:
    """Knobs of an audit: ``near_distance`` is the most pHash bits two near duplicates may differ in
    (higher finds more re-crops and edits, and more false matches); ``label_threshold`` is the least
    probability a model must give another class to list an image (lower lists more, and more true labels)."""

    near_distance: int = 4
    label_threshold: float = 0.9
    quality: QualityThresholds = field(default_factory=QualityThresholds)
    samples_per_class: int = 8
    seed: int = 0


@dataclass
class AuditFindings:
    """Everything an audit found; ``groups`` keeps per-image group ids for the example figures."""

    counts: dict[str, dict[str, int]]
    class_weights: dict[str, float]
    exact: dict[str, Any]
    near: dict[str, Any]
    quality: dict[str, Any]
    groups: dict[str, np.ndarray]
    flags: dict[str, np.ndarray]
    near_pairs: np.ndarray
    labels: LabelFindings | None = None


def class_weights(labels: np.ndarray) -> dict[str, float]:
    """Inverse-frequency weights n / (classes * n_c) of the classes present; 1.0 means balanced."""
    counts = np.bincount(labels, minlength=len(EMOTIONS))
    present = counts > 0
    weights = np.zeros(len(EMOTIONS))
    weights[present] = counts.sum() / (present.sum() * counts[present])
    return {e.value: round(float(w), 4) for e, w, p in zip(EMOTIONS, weights, present, strict=True) if p}


def group_stats(groups: np.ndarray, splits: np.ndarray, labels: np.ndarray) -> dict[str, Any]:
    """Duplicate groups (ids shared by 2+ images): how many, how many images, how many span splits,
    how many images of each held-out split have a copy in train (leakage), and label conflicts."""
    sizes = np.bincount(groups)
    dup = sizes[groups] > 1
    present = {s: np.bincount(groups[splits == s], minlength=len(sizes)) > 0 for s in np.unique(splits)}
    spans = sum(p.astype(int) for p in present.values())
    pair_keys = np.unique(groups[dup] * len(EMOTIONS) + labels[dup])
    label_count = np.bincount(pair_keys // len(EMOTIONS), minlength=len(sizes))
    conflicting = label_count[groups] > 1
    leaked = {
        s: int((present["train"][groups] & (splits == s)).sum()) for s in present if s != "train" and "train" in present
    }
    return {
        "groups": int((sizes > 1).sum()),
        "images": int(dup.sum()),
        "redundant_copies": int(dup.sum() - (sizes > 1).sum()),
        "cross_split_groups": int(((spans > 1) & (sizes > 1)).sum()),
        "held_out_images_with_a_train_copy": leaked,
        "conflicting_label_groups": int((label_count > 1).sum()),
        "conflicting_label_images": int(conflicting.sum()),
        "largest_group": int(sizes.max()) if len(sizes) else 0,
    }


def _counts(faces: FaceSet) -> dict[str, dict[str, int]]:
    table = {}
    for split in dict.fromkeys(faces.splits.tolist()):
        per_class = np.bincount(faces.labels[faces.splits == split], minlength=len(EMOTIONS))
        table[split] = {e.value: int(n) for e, n in zip(EMOTIONS, per_class, strict=True)}
    return table


def _quality(faces: FaceSet, config: AuditConfig) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    measures = quality_measures(faces.images)
    flags = quality_flags(measures, config.quality)
    any_flag = np.logical_or.reduce(list(flags.values()))
    per_split = {
        split: {name: int(mask[faces.splits == split].sum()) for name, mask in {**flags, "any": any_flag}.items()}
        for split in dict.fromkeys(faces.splits.tolist())
    }
    summary = {
        "thresholds": vars(config.quality),
        "totals": {name: int(mask.sum()) for name, mask in {**flags, "any": any_flag}.items()},
        "per_split": per_split,
        "measures_median": {name: round(float(np.median(v)), 2) for name, v in measures.items()},
    }
    return summary, flags


def audit_faceset(faces: FaceSet, config: AuditConfig | None = None) -> AuditFindings:
    """Audit crops in memory: counts, class weights, exact and near duplicates, quality."""
    config = config or AuditConfig()
    log.info("hashing %d images", len(faces))
    exact = exact_groups(faces.images)
    quality, flags = _quality(faces, config)
    hashable = np.flatnonzero(~flags["nearly_blank"])  # a blank crop's pHash is noise: blanks are only matched exactly
    pairs, distances = hamming_pairs(perceptual_hashes(faces.images[hashable]), config.near_distance)
    pairs = hashable[pairs] if len(pairs) else pairs.reshape(0, 2)
    exact_pairs = np.stack([np.arange(len(faces)), np.unique(exact, return_index=True)[1][exact]], 1)
    near = duplicate_groups(len(faces), np.concatenate([pairs, exact_pairs]))
    train_labels = faces.labels[faces.splits == ("train" if "train" in faces.splits else faces.splits[0])]
    near_stats = group_stats(near, faces.splits, faces.labels)
    near_stats.update(
        max_hamming_bits=config.near_distance,
        pairs=len(pairs),
        pairs_by_distance=np.bincount(distances, minlength=config.near_distance + 1).tolist(),
    )
    return AuditFindings(
        counts=_counts(faces),
        class_weights=class_weights(train_labels),
        exact=group_stats(exact, faces.splits, faces.labels),
        near=near_stats,
        quality=quality,
        groups={"exact": exact, "near": near},
        flags=flags,
        near_pairs=pairs,
    )
