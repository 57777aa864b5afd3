"""Face-crop data sets on disk, and whole data sets as arrays, in any layout emolens reads; the label maps that
train or score a model on a subset or a relabelled set of classes.

Kaggle layout: ``<root>/{train,test}/<class>/{Training,PublicTest,PrivateTest}_<id>.jpg``; the file-name
prefix gives the split (Training: train, PublicTest: val, PrivateTest: test). Generic layout:
``<root>/<class>/<images>``, where every image counts whatever split is asked for. CSV form: the original
``fer2013.csv`` with columns emotion (0-6, FER order), pixels (2,304 space-separated values) and Usage.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

from emolens.errors import DataLayoutError
from emolens.types import EMOTIONS, Emotion, parse_emotion

__all__ = [
    "IMAGE_SUFFIXES",
    "SPLITS",
    "SPLIT_PREFIXES",
    "FaceSet",
    "LabelMap",
    "Sample",
    "Split",
    "csv_path_of",
    "describe_layouts",
    "find_samples",
    "layout_of",
    "load_faceset",
]

log = logging.getLogger(__name__)

SPLIT_PREFIXES: dict[str, str] = {"train": "Training", "val": "PublicTest", "test": "PrivateTest"}  # Kaggle names
_USAGE_SPLIT = {prefix.lower(): split for split, prefix in SPLIT_PREFIXES.items()}  # file-name prefix or CSV Usage
_CSV_COLUMNS = ("emotion", "pixels", "usage")
Split = Literal["train", "val", "test", "all"]
SPLITS: tuple[Split, ...] = ("train", "val", "test", "all")
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})


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
    return _USAGE_SPLIT.get(prefix)


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
