"""Face-crop data sets on disk: the Kaggle FER2013 folder layout, generic class folders and fer2013.csv.

Kaggle layout: ``<root>/{train,test}/<class>/{Training,PublicTest,PrivateTest}_<id>.jpg``; the file-name
prefix gives the split (Training: train, PublicTest: val, PrivateTest: test). Generic layout:
``<root>/<class>/<images>``, where every image counts whatever split is asked for. CSV form: the original
``fer2013.csv`` with columns emotion (0-6, FER order), pixels (2,304 space-separated values) and Usage;
emolens.facesets reads it, and loads any of the three layouts as arrays.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

from emolens.errors import DataLayoutError
from emolens.types import Emotion, parse_emotion

__all__ = ["SPLITS", "Sample", "Split", "describe_layouts", "find_samples", "load_faces"]

log = logging.getLogger(__name__)

Split = Literal["train", "val", "test", "all"]
SPLITS: tuple[Split, ...] = ("train", "val", "test", "all")
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})
_PREFIX_SPLIT = {"training": "train", "publictest": "val", "privatetest": "test"}


@dataclass(frozen=True)
class Sample:
    """One labelled face crop on disk."""

    path: Path
    emotion: Emotion
    split: str


def describe_layouts() -> str:
    """The layouts emolens accepts, for error messages."""
    return (
        "expected either the Kaggle FER2013 layout\n"
        "  ROOT/train/<class>/Training_<id>.jpg, ROOT/test/<class>/PublicTest_<id>.jpg | PrivateTest_<id>.jpg\n"
        "or class folders\n"
        "  ROOT/<class>/<image files>\n"
        "or the fer2013.csv form (ROOT is the file, or a folder holding it)\n"
        "  columns emotion (0-6 in the order below), pixels (48*48 space-separated 0-255), Usage "
        "(Training | PublicTest | PrivateTest)\n"
        f"where <class> is one of {', '.join(e.value for e in Emotion)} (case-insensitive; synonyms such "
        "as anger, happiness, sadness, surprised are accepted)"
    )


def _split_of(path: Path) -> str | None:
    prefix = path.name.split("_", 1)[0].lower()
    return _PREFIX_SPLIT.get(prefix)


def _class_dirs(folder: Path) -> dict[Path, Emotion]:
    dirs = {}
    for child in sorted(folder.iterdir()):
        if child.is_dir():
            emotion = parse_emotion(child.name)
            if emotion is not None:
                dirs[child] = emotion
            else:
                log.warning("ignoring folder %s: not an emotion name", child)
    return dirs


def _images_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def find_samples(root: str | Path, split: Split = "all") -> list[Sample]:
    """List the labelled images under ``root`` for ``split`` (train, val, test or all).

    Raises DataLayoutError, showing the expected layout, when ``root`` holds neither layout.
    """
    root = Path(root)
    if not root.is_dir():
        raise DataLayoutError(f"data folder {root} does not exist or is not a folder; {describe_layouts()}")
    if split not in SPLITS:
        raise DataLayoutError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    kaggle_parts = [root / "train", root / "test"]
    if any(p.is_dir() and _class_dirs(p) for p in kaggle_parts):
        samples = _kaggle_samples(kaggle_parts, split)
    else:
        samples = [
            Sample(path, emotion, "all") for folder, emotion in _class_dirs(root).items() for path in _images_in(folder)
        ]
    if not samples:
        raise DataLayoutError(f"no labelled images found under {root} for split {split!r}; {describe_layouts()}")
    return samples


def _kaggle_samples(parts: list[Path], split: Split) -> list[Sample]:
    samples = []
    for part in parts:
        if not part.is_dir():
            continue
        for folder, emotion in _class_dirs(part).items():
            for path in _images_in(folder):
                path_split = _split_of(path) or ("train" if part.name == "train" else "test")
                if split == "all" or path_split == split:
                    samples.append(Sample(path, emotion, path_split))
    return samples


def load_faces(samples: list[Sample], size: int = 48) -> tuple[np.ndarray, np.ndarray, list[Sample]]:
    """Read samples as grayscale ``size`` x ``size`` uint8 crops.

    Returns (images N x size x size uint8, labels N int64 in Emotion order, samples that could not be read).
    """
    order = {e: i for i, e in enumerate(Emotion)}
    images, labels, unreadable = [], [], []
    for sample in samples:
        image = cv2.imread(str(sample.path), cv2.IMREAD_GRAYSCALE)
        if image is None or image.size == 0:
            unreadable.append(sample)
            continue
        if image.shape != (size, size):
            image = cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)
        images.append(image)
        labels.append(order[sample.emotion])
    if unreadable:
        log.warning("%d images could not be read, e.g. %s", len(unreadable), unreadable[0].path)
    stacked = np.stack(images) if images else np.zeros((0, size, size), np.uint8)
    return stacked, np.asarray(labels, dtype=np.int64), unreadable
