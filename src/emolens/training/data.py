"""Training data as tensors: a split of any emolens layout, mapped to the run's classes, limited per class,
and the order each epoch visits it in (shuffled or class-balanced), shared by every process of a run."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import torch

from emolens.data.facesets import LabelMap, load_faceset
from emolens.errors import DataLayoutError
from emolens.training.config import TrainConfig

__all__ = ["SplitTensors", "epoch_order", "label_map_of", "load_split"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SplitTensors:
    """Raw-pixel images N x 1 x S x S float32 (0..255) and labels N int64 indexing the run's classes."""

    x: torch.Tensor
    y: torch.Tensor

    def class_counts(self, classes: int) -> torch.Tensor:
        return torch.bincount(self.y, minlength=classes)


def label_map_of(cfg: TrainConfig) -> LabelMap:
    """The run's classes and relabelling, from its config."""
    return LabelMap.parse(cfg.classes, cfg.relabel)


def _limit(labels: np.ndarray, per_class: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    keep = [rng.permutation(np.flatnonzero(labels == c))[:per_class] for c in np.unique(labels)]
    return np.sort(np.concatenate(keep))


def _mapped(data: str, split: str, mapping: LabelMap) -> tuple[np.ndarray, np.ndarray]:
    faces = load_faceset(data, split)  # type: ignore[arg-type]
    labels = mapping.apply(faces.labels)
    keep = np.flatnonzero(labels >= 0)
    return faces.images[keep], labels[keep]


def load_split(cfg: TrainConfig, split: str) -> SplitTensors:
    """Load ``split`` of ``cfg.data`` with the run's label map; the train split honours limit_per_class and
    adds the training images of every ``cfg.extra_train`` folder (after the limit)."""
    mapping = label_map_of(cfg)
    images, labels = _mapped(cfg.data, split, mapping)
    if split == "train" and cfg.limit_per_class:
        keep = _limit(labels, cfg.limit_per_class, cfg.seed)
        images, labels = images[keep], labels[keep]
    missing = sorted(set(range(len(mapping.classes))) - set(labels.tolist()))
    if missing:
        names = [mapping.classes[i].value for i in missing]
        raise DataLayoutError(
            f"the {split} split of {cfg.data} has no images of the classes {names}; "
            "add them, or leave them out of the config's classes"
        )
    if split == "train":
        for extra in cfg.extra_train:
            more_images, more_labels = _mapped(extra, "train", mapping)
            log.info("adding %d training images from %s", len(more_labels), extra)
            images, labels = np.concatenate([images, more_images]), np.concatenate([labels, more_labels])
    return SplitTensors(torch.from_numpy(images).float().unsqueeze(1), torch.from_numpy(labels))


def epoch_order(data: SplitTensors, sampling: str, classes: int, gen: torch.Generator) -> torch.Tensor:
    """The indices one epoch visits: a permutation, or (balanced) draws with replacement so that every
    class comes up equally often."""
    if sampling == "balanced":
        per_image = 1.0 / data.class_counts(classes).float()[data.y]
        return torch.multinomial(per_image, len(data.y), replacement=True, generator=gen)
    return torch.randperm(len(data.y), generator=gen)
