"""Loading data sets in every layout, and the label maps of class subsets and relabelling."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tests.conftest import synthetic_face, write_kaggle_tree

from emolens.data.facesets import LabelMap, layout_of, load_faceset
from emolens.errors import DataLayoutError


def _write_csv(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    path.write_text("emotion,pixels,Usage\n" + "".join(f"{e},{p},{u}\n" for e, p, u in rows))
    return path


def test_csv_form_gives_splits_labels_and_names_bad_rows(tmp_path: Path) -> None:
    face = synthetic_face(3, 1)
    pixels = " ".join(map(str, face.ravel()))
    csv = _write_csv(
        tmp_path / "fer2013.csv",
        [
            ("3", pixels, "Training"),
            ("6", pixels, "PublicTest"),
            ("0", pixels, "PrivateTest"),
            ("9", pixels, "Training"),
            ("2", "1 2 3", "Training"),
        ],
    )
    faces = load_faceset(tmp_path)
    assert layout_of(csv) == "csv" and faces.layout == "csv"
    assert faces.labels.tolist() == [3, 6, 0]
    assert faces.splits.tolist() == ["train", "val", "test"]
    assert np.array_equal(faces.images[0], face)
    assert sorted(faces.unreadable) == [f"{csv}:5", f"{csv}:6"]
    assert "outside 0-6" in faces.unreadable[f"{csv}:5"]
    assert load_faceset(csv, "val").labels.tolist() == [6]


def test_csv_without_the_columns_shows_the_expected_form(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("label,image\n1,2\n")
    with pytest.raises(
        DataLayoutError, match=r"(?s)lacks the columns \[.emotion., .pixels., .usage.\].*fer2013.csv form"
    ):
        load_faceset(tmp_path / "data.csv")


def test_broken_layout_shows_the_expected_one(tmp_path: Path) -> None:
    (tmp_path / "pictures").mkdir()
    (tmp_path / "pictures" / "a.jpg").write_bytes(b"x")
    with pytest.raises(
        DataLayoutError, match=r"(?s)no labelled images.*ROOT/train/<class>/Training_<id>.jpg.*fer2013.csv"
    ):
        load_faceset(tmp_path)


def test_corrupt_image_is_listed_not_fatal(tmp_path: Path) -> None:
    root = write_kaggle_tree(tmp_path, {"Training": 2}, classes=("happy", "sad"))
    bad = root / "train" / "sad" / "Training_999.jpg"
    bad.write_bytes(b"\xff\xd8 not really a jpeg")
    faces = load_faceset(root, "train")
    assert len(faces) == 4 and list(faces.unreadable) == [str(bad)]


def test_label_map_subset_and_relabel() -> None:
    five = LabelMap.parse(["angry", "fear", "happy", "sad", "surprise"])
    assert five.apply(np.arange(7)).tolist() == [0, -1, 1, 2, -1, 3, 4]
    merged = LabelMap.parse(["angry", "fear", "happy", "sad", "surprise"], {"disgust": "angry"})
    assert merged.apply(np.arange(7)).tolist() == [0, 0, 1, 2, -1, 3, 4]
    with pytest.raises(DataLayoutError, match="relabel targets"):
        LabelMap.parse(["happy", "sad"], {"angry": "fear"})
    with pytest.raises(DataLayoutError, match="unknown class 'joyful'"):
        LabelMap.parse(["joyful"])
