"""Shared fixtures: real faces (scikit-image's astronaut), generated videos, and the FER2013 data path."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage.data import astronaut

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def astronaut_bgr() -> np.ndarray:
    """The 512x512 astronaut photo (one smiling face), BGR."""
    return cv2.cvtColor(astronaut(), cv2.COLOR_RGB2BGR)


@pytest.fixture(scope="session")
def analyzer():
    from emolens import Analyzer

    return Analyzer()


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
