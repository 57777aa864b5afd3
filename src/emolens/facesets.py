"""Whole data sets as arrays, from any layout emolens reads (Kaggle folders, class folders, fer2013.csv),
and the label maps that train or score a model on a subset or a relabelled set of classes."""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from emolens.datasets import SPLITS, Split, describe_layouts, find_samples
from emolens.errors import DataLayoutError
from emolens.types import EMOTIONS, Emotion, parse_emotion

__all__ = ["FaceSet", "LabelMap", "csv_path_of", "layout_of", "load_faceset"]

log = logging.getLogger(__name__)

_USAGE_SPLIT = {"training": "train", "publictest": "val", "privatetest": "test"}
_CSV_COLUMNS = ("emotion", "pixels", "usage")


@dataclass(frozen=True)
class FaceSet:
    """Labelled face crops in memory: images N x S x S uint8, labels N int64 in Emotion order,
    the split and a name (file path, or ``file.csv:row``) of each, and what could not be read and why."""

    images: np.ndarray
    labels: np.ndarray
    splits: np.ndarray
    names: list[str]
    layout: str
    unreadable: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.labels)

    def select(self, mask: np.ndarray) -> FaceSet:
        """The images where the boolean ``mask`` holds."""
        names = [n for n, keep in zip(self.names, mask, strict=True) if keep]
        return FaceSet(self.images[mask], self.labels[mask], self.splits[mask], names, self.layout, self.unreadable)


def csv_path_of(root: str | Path) -> Path | None:
    """The fer2013.csv-form file that ``root`` is or holds, else None."""
    root = Path(root)
    if root.is_file() and root.suffix.lower() == ".csv":
        return root
    if root.is_dir() and not (root / "train").is_dir():
        found = sorted(root.glob("*.csv"))
        return found[0] if len(found) == 1 else None
    return None


def layout_of(root: str | Path) -> str:
    """ "kaggle", "folders" or "csv"; raises DataLayoutError showing the expected layouts otherwise."""
    if csv_path_of(root) is not None:
        return "csv"
    samples = find_samples(root, "all")
    return "folders" if samples[0].split == "all" else "kaggle"


def _read_folders(root: Path, split: Split, size: int, progress: Callable[[int], None] | None) -> FaceSet:
    samples = find_samples(root, split)
    images, keep, unreadable = np.zeros((len(samples), size, size), np.uint8), np.zeros(len(samples), bool), {}
    order = {e: i for i, e in enumerate(EMOTIONS)}
    for i, sample in enumerate(samples):
        image = cv2.imread(str(sample.path), cv2.IMREAD_GRAYSCALE)
        if image is None or image.size == 0:
            unreadable[str(sample.path)] = "not a decodable image"
        else:
            images[i] = (
                image if image.shape == (size, size) else cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)
            )
            keep[i] = True
        if progress and i % 1000 == 999:
            progress(1000)
    labels = np.array([order[s.emotion] for s in samples], np.int64)
    splits = np.array([s.split for s in samples])
    layout = "folders" if samples[0].split == "all" else "kaggle"
    names = [str(s.path) for s, k in zip(samples, keep, strict=True) if k]
    return FaceSet(images[keep], labels[keep], splits[keep], names, layout, unreadable)


def _csv_header(path: Path, header: list[str]) -> dict[str, int]:
    columns = {name.strip().lower(): i for i, name in enumerate(header)}
    missing = [c for c in _CSV_COLUMNS if c not in columns]
    if missing:
        raise DataLayoutError(f"{path} lacks the columns {missing} (it has {header}); {describe_layouts()}")
    return columns


def _csv_row(row: list[str], columns: dict[str, int], size: int) -> tuple[np.ndarray, int, str]:
    label = int(row[columns["emotion"]])
    if not 0 <= label < len(EMOTIONS):
        raise ValueError(f"emotion {label} is outside 0-{len(EMOTIONS) - 1}")
    pixels = np.array(row[columns["pixels"]].split(), dtype=np.float32)
    side = round(len(pixels) ** 0.5)
    if len(pixels) == 0 or side * side != len(pixels) or pixels.min() < 0 or pixels.max() > 255:
        low, high = (pixels.min(), pixels.max()) if len(pixels) else (0, 0)
        raise ValueError(f"pixels: {len(pixels)} values in {low:g}..{high:g}, expected a square image of 0-255")
    image: np.ndarray = pixels.reshape(side, side).astype(np.uint8)
    if side != size:
        image = cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)
    split = _USAGE_SPLIT.get(row[columns["usage"]].strip().lower(), "train")
    return image, label, split


def _read_csv(path: Path, split: Split, size: int, progress: Callable[[int], None] | None) -> FaceSet:
    images, labels, splits, names, unreadable = [], [], [], [], {}
    with path.open(newline="") as handle:
        reader = csv.reader(handle)
        columns = _csv_header(path, next(reader, []))
        for number, row in enumerate(reader, start=2):
            name = f"{path}:{number}"
            try:
                image, label, row_split = _csv_row(row, columns, size)
            except (ValueError, IndexError) as exc:
                unreadable[name] = str(exc)
                continue
            if split in ("all", row_split):
                images.append(image)
                labels.append(label)
                splits.append(row_split)
                names.append(name)
            if progress and number % 1000 == 0:
                progress(1000)
    if not labels:
        raise DataLayoutError(f"no usable rows in {path} for split {split!r}; {describe_layouts()}")
    return FaceSet(np.stack(images), np.array(labels, np.int64), np.array(splits), names, "csv", unreadable)


def load_faceset(
    root: str | Path, split: Split = "all", size: int = 48, progress: Callable[[int], None] | None = None
) -> FaceSet:
    """Every readable labelled crop of ``split`` as ``size`` x ``size`` grayscale; unreadable ones are listed."""
    if split not in SPLITS:
        raise DataLayoutError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    csv_file = csv_path_of(root)
    faces = _read_csv(csv_file, split, size, progress) if csv_file else _read_folders(Path(root), split, size, progress)
    if faces.unreadable:
        first = next(iter(faces.unreadable.items()))
        log.warning("%d images could not be read, e.g. %s (%s)", len(faces.unreadable), *first)
    return faces


@dataclass(frozen=True)
class LabelMap:
    """Which data classes a model learns, and as what: ``classes`` are the model's labels in order;
    ``relabel`` maps a data class to one of them (e.g. disgust -> angry); other classes are dropped."""

    classes: tuple[Emotion, ...] = EMOTIONS
    relabel: Mapping[Emotion, Emotion] = field(default_factory=dict)

    @classmethod
    def parse(cls, classes: Sequence[str] | None, relabel: Mapping[str, str] | None = None) -> LabelMap:
        """Build from class names; raises DataLayoutError naming an unknown or unmapped class."""

        def emotion(name: str) -> Emotion:
            found = parse_emotion(name)
            if found is None:
                raise DataLayoutError(f"unknown class {name!r}; classes are {', '.join(EMOTIONS)}")
            return found

        chosen = tuple(emotion(c) for c in classes) if classes else EMOTIONS
        mapping = {emotion(k): emotion(v) for k, v in (relabel or {}).items()}
        strays = [f"{k}->{v}" for k, v in mapping.items() if v not in chosen]
        if strays or len(set(chosen)) != len(chosen):
            raise DataLayoutError(
                f"relabel targets must be among the model classes {list(chosen)} once each; got {strays or chosen}"
            )
        return cls(chosen, mapping)

    def apply(self, labels: np.ndarray) -> np.ndarray:
        """Map labels in Emotion order to indices of ``classes``; -1 for images the model does not learn."""
        lookup = np.full(len(EMOTIONS), -1, np.int64)
        for i, e in enumerate(EMOTIONS):
            target = self.relabel.get(e, e)
            if target in self.classes:
                lookup[i] = self.classes.index(target)
        return lookup[labels]
