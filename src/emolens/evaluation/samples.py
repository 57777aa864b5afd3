"""The labelled test faces a slow check runs on: a split's crops in the model's classes, optionally a balanced
sample of them drawn with a seed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emolens.data.facesets import LabelMap, Split, load_faceset
from emolens.errors import DataLayoutError
from emolens.vision.classify import ModelCard

__all__ = ["LabelledFaces", "balanced_indices", "load_test_faces"]


@dataclass(frozen=True)
class LabelledFaces:
    """Face crops (N x S x S uint8), their labels (N int64, indices into the model's classes) and names."""

    images: np.ndarray
    labels: np.ndarray
    names: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.labels)


def balanced_indices(labels: np.ndarray, limit: int, seed: int = 0) -> np.ndarray:
    """Up to ``limit`` indices, the same number per class (all of a class that has fewer), drawn with ``seed``;
    sorted so the sample keeps the data's order. A balanced sample gives every class's recall the same weight,
    so its accuracy is the mean recall, not the data set's accuracy."""
    if limit < 1:
        raise DataLayoutError(f"the sample size must be at least 1 face, got {limit}")
    classes = np.unique(labels)
    rng = np.random.default_rng(seed)
    extra = set(rng.permutation(classes)[: limit % len(classes)].tolist()) if len(classes) else set()
    chosen = [rng.permutation(np.flatnonzero(labels == c))[: limit // len(classes) + (c in extra)] for c in classes]
    return np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, np.int64)


def load_test_faces(
    data: str | Path, card: ModelCard, split: Split = "test", limit: int | None = None, seed: int = 0
) -> LabelledFaces:
    """The crops of ``split`` whose class the model has, labelled in the model's classes; with ``limit`` a
    balanced sample of that many (see balanced_indices)."""
    faces = load_faceset(data, split, card.input_size)
    mapping = LabelMap.parse([e.value for e in card.labels], card.extra.get("relabel"))
    labels = mapping.apply(faces.labels)
    keep = np.flatnonzero(labels >= 0)
    if not len(keep):
        raise DataLayoutError(f"no faces of the model's classes in {data} ({split}); check --data and --split")
    if limit is not None:
        keep = keep[balanced_indices(labels[keep], limit, seed)]
    return LabelledFaces(faces.images[keep], labels[keep].astype(np.int64), tuple(faces.names[i] for i in keep))
