"""Shared fixtures: real faces (scikit-image's astronaut), generated videos, and the FER2013 data path."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage.data import astronaut

from emolens.storage import Store
from postgres_db import postgres_database

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def astronaut_bgr() -> np.ndarray:
    """The 512x512 astronaut photo (one smiling face), BGR."""
    return cv2.cvtColor(astronaut(), cv2.COLOR_RGB2BGR)


@pytest.fixture(scope="session")
def analyzer():
    from emolens import Analyzer

    return Analyzer()


@pytest.fixture(scope="session")
def astronaut_face(analyzer, astronaut_bgr: np.ndarray) -> np.ndarray:
    """The astronaut's aligned 48 x 48 face crop (the shipped model reads it as happy)."""
    from emolens.vision.align import align_faces

    face = analyzer.analyze(astronaut_bgr)[0].face
    return align_faces(astronaut_bgr, [face], 48)[0]


def face_grid(photo: np.ndarray, columns: int, rows: int, tile_px: int = 200) -> np.ndarray:
    """A canvas with ``columns`` x ``rows`` copies of ``photo``, each resized to ``tile_px``."""
    tile = cv2.resize(photo, (tile_px, tile_px), interpolation=cv2.INTER_AREA)
    return np.concatenate([np.concatenate([tile] * columns, axis=1)] * rows, axis=0)


def write_video(path: Path, frames: list[np.ndarray], fps: float = 10.0) -> Path:
    """Write BGR frames as an MJPEG AVI (decodable by every OpenCV build)."""
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
    assert writer.isOpened()
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


@pytest.fixture()
def moving_face_video(tmp_path: Path, astronaut_bgr: np.ndarray) -> Path:
    """A 20-frame 320x240 video of the astronaut drifting right by 2 px a frame."""
    face = cv2.resize(astronaut_bgr, (200, 200))
    frames = []
    for i in range(20):
        canvas = np.full((240, 320, 3), 90, np.uint8)
        canvas[20:220, 20 + 2 * i : 220 + 2 * i] = face
        frames.append(canvas)
    return write_video(tmp_path / "face.avi", frames)


def fer2013_root() -> Path | None:
    """Where FER2013 lies: $EMOLENS_DATA/fer2013 or ../shared/data/fer2013; None when absent."""
    candidates = [Path(os.environ["EMOLENS_DATA"]) / "fer2013"] if os.environ.get("EMOLENS_DATA") else []
    candidates.append(ROOT.parent / "shared" / "data" / "fer2013")
    return next((c for c in candidates if (c / "test").is_dir()), None)


@pytest.fixture(scope="session")
def fer2013() -> Path:
    """The FER2013 folder; skips without it, but fails in CI (CI=true), where it must be present."""
    root = fer2013_root()
    if root is None:
        if os.environ.get("CI") == "true":
            pytest.fail("FER2013 is missing in CI: set EMOLENS_DATA or put it in ../shared/data/fer2013")
        pytest.skip("FER2013 not found (set EMOLENS_DATA)")
    return root


def _copy_subset(root: Path, target: Path, per_class: dict[str, int]) -> Path:
    """Copy the first N images of each class and split prefix (Training, PublicTest, PrivateTest)."""
    import shutil

    for part, prefixes in (("train", ("Training",)), ("test", ("PublicTest", "PrivateTest"))):
        for folder in sorted((root / part).iterdir()):
            (target / part / folder.name).mkdir(parents=True, exist_ok=True)
            for prefix in prefixes:
                for image in sorted(folder.glob(f"{prefix}_*"))[: per_class[prefix]]:
                    shutil.copy(image, target / part / folder.name / image.name)
    return target


@pytest.fixture(scope="session")
def fer_subset(fer2013: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A few hundred FER2013 images in the Kaggle layout: 30 train, 8 PublicTest, 8 PrivateTest per class."""
    return _copy_subset(
        fer2013, tmp_path_factory.mktemp("fer_subset"), {"Training": 30, "PublicTest": 8, "PrivateTest": 8}
    )


def synthetic_face(label: int, seed: int, size: int = 48) -> np.ndarray:
    """A generated grayscale 'face' whose mouth curvature and brow tilt depend on ``label`` (0-6), plus noise."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(30, 230, (6, 6)).astype(np.uint8)
    image = cv2.resize(coarse, (size, size), interpolation=cv2.INTER_CUBIC)
    cx, cy = 24 + int(rng.integers(-3, 4)), 26 + int(rng.integers(-3, 4))
    cv2.ellipse(
        image,
        (cx, cy),
        (int(rng.integers(13, 19)), int(rng.integers(17, 23))),
        0,
        0,
        360,
        int(rng.integers(150, 200)),
        -1,
    )
    for x in (17, 31):
        cv2.circle(image, (x, 20), 2, 30, -1)
        cv2.line(image, (x - 4, 15 + label % 3 - 1), (x + 4, 15 - (label % 3 - 1)), 40, 1)
    curve = (label - 3) * 2
    cv2.ellipse(
        image, (24, 35), (7, max(1, abs(curve))), 0, 0 if curve >= 0 else 180, 180 if curve >= 0 else 360, 40, 2
    )
    noise = rng.normal(0, 6, image.shape)
    return np.clip(image + noise, 0, 255).astype(np.uint8)


def write_kaggle_tree(
    root: Path, per_class: dict[str, int], classes: tuple[str, ...] | None = None, seed: int = 0
) -> Path:
    """Generated crops in the Kaggle FER2013 layout, ``per_class`` images per file prefix and class."""
    from emolens.types import EMOTIONS

    names = classes or tuple(e.value for e in EMOTIONS)
    counter = seed * 100_000
    for prefix, count in per_class.items():
        part = "train" if prefix == "Training" else "test"
        for name in names:
            label = [e.value for e in EMOTIONS].index(name)
            (root / part / name).mkdir(parents=True, exist_ok=True)
            for _ in range(count):
                counter += 1
                cv2.imwrite(str(root / part / name / f"{prefix}_{counter}.png"), synthetic_face(label, counter))
    return root


@pytest.fixture()
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "emolens.db"


@pytest.fixture()
def store(db_file: Path) -> Iterator[Store]:
    """A SQLite store in a fresh file (tests/storage runs its own on SQLite and PostgreSQL)."""
    s = Store(f"sqlite:///{db_file}")
    yield s
    s.close()


@pytest.fixture(scope="session")
def hopper_bgr() -> np.ndarray:
    """Grace Hopper's portrait from matplotlib's sample data (public domain): a second real person, BGR."""
    import matplotlib

    image = cv2.imread(str(Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"))
    assert image is not None, "matplotlib's sample_data/grace_hopper.jpg is missing"
    return image


def side_by_side(left: np.ndarray, right: np.ndarray, height_px: int = 300) -> np.ndarray:
    """Two photos resized to one height and placed next to each other on a grey canvas with margins."""
    tiles = [cv2.resize(p, (round(p.shape[1] * height_px / p.shape[0]), height_px)) for p in (left, right)]
    canvas = np.full((height_px + 40, sum(t.shape[1] for t in tiles) + 60, 3), 110, np.uint8)
    canvas[20 : 20 + height_px, 20 : 20 + tiles[0].shape[1]] = tiles[0]
    canvas[20 : 20 + height_px, 40 + tiles[0].shape[1] : 40 + tiles[0].shape[1] + tiles[1].shape[1]] = tiles[1]
    return canvas


def write_y4m(path: Path, frames: list[np.ndarray], fps: int = 10) -> Path:
    """BGR frames (all one size) as a YUV4MPEG2 video: what Chromium's fake webcam plays."""
    height, width = frames[0].shape[:2]
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            out.write(b"FRAME\n" + cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database on each backend (PostgreSQL: EMOLENS_TEST_POSTGRES_URL's server)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'emolens.db'}"
    else:
        yield from postgres_database()


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny ONNX emotion model with the shipped model's contract (tests/tiny_model.py), for tests that need
    a model but not the shipped weights."""
    from tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def tiny_analyzer(tiny_model: Path):
    from emolens import Analyzer

    return Analyzer(model=tiny_model)
