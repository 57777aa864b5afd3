"""Data sets of labelled face crops on disk (Kaggle FER2013 folders, class folders, fer2013.csv) and in memory.

>>> faces = load_faceset("../shared/data/fer2013", "val")     # doctest: +SKIP
"""

from __future__ import annotations

from emolens.data.facesets import (
    IMAGE_SUFFIXES,
    SPLITS,
    FaceSet,
    LabelMap,
    Sample,
    Split,
    csv_path_of,
    describe_layouts,
    find_samples,
    layout_of,
    load_faceset,
)

__all__ = [
    "IMAGE_SUFFIXES",
    "SPLITS",
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
