"""Face detectors behind one interface: MediaPipe BlazeFace (default) and OpenCV's Haar cascade."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from typing import Literal, Protocol

import cv2
import numpy as np

from emolens.errors import ConfigError, ModelLoadError
from emolens.types import BBox, Face
from emolens.vision.io import check_size

__all__ = ["DETECTORS", "FaceDetector", "HaarDetector", "MediaPipeDetector", "TileScan", "make_detector", "nms"]

log = logging.getLogger(__name__)

# Landmark order shared by every detector: right eye, left eye (the subject's, so the right eye is on
# the image's left), nose tip, mouth centre.
LANDMARK_NAMES = ("right_eye", "left_eye", "nose_tip", "mouth_center")

# When tiles are scanned: "always", or "auto": only when the full-frame pass may have missed a face.
TileScan = Literal["auto", "always"]

# The full-range BlazeFace finds faces down to about a tenth of the image's longer side (it sees a 192 px
# copy); smaller ones need the tiles.
FULL_FRAME_MIN_FACE = 0.1


class FaceDetector(Protocol):
    """Finds faces in a BGR image; landmarks follow LANDMARK_NAMES."""

    name: str

    def detect(self, image: np.ndarray) -> list[Face]:
        """Faces in an H x W x 3 uint8 BGR image, highest score first."""
        ...


def nms(faces: list[Face], iou: float = 0.4) -> list[Face]:
    """Greedy non-maximum suppression: keep the best-scoring face of each overlapping group."""
    kept: list[Face] = []
    for face in sorted(faces, key=lambda f: f.score, reverse=True):
        if all(face.bbox.iou(k.bbox) < iou for k in kept):
            kept.append(face)
    return kept


def _tile_origins(width: int, height: int, tile_px: int, overlap: float = 0.25) -> list[tuple[int, int]]:
    """Top-left corners of square tiles covering the image with ``overlap``; none if one tile would cover it."""
    if width <= tile_px * 1.25 and height <= tile_px * 1.25:
        return []

    def starts(length: int) -> list[int]:
        if length <= tile_px:
            return [0]
        count = int(np.ceil((length - tile_px) / (tile_px * (1 - overlap)))) + 1
        return [int(v) for v in np.linspace(0, length - tile_px, count)]

    return [(x, y) for y in starts(height) for x in starts(width)]


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Silence what C++ libraries write to file descriptor 2 (MediaPipe's TFLite and absl start-up chatter)."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _may_miss_small_faces(faces: list[Face], width: int, height: int) -> bool:
    """Whether a full-frame pass that found ``faces`` may have missed faces below its size limit."""
    limit = FULL_FRAME_MIN_FACE * max(width, height)
    return not faces or min(f.bbox.width for f in faces) < limit


class MediaPipeDetector:
    """BlazeFace from the MediaPipe wheel (offline).

    ``full_range`` uses the 192 px full-range model, which finds faces down to about a tenth of the
    image's longer side; the short-range model is faster but meant for faces close to a webcam.
    ``tile_px`` also scans overlapping square tiles of that size, finding faces down to ~20 px at a
    cost of one more pass per tile (a 640x480 image with 320 px tiles: 6 more passes). ``tiles`` says when:
    "always", or "auto": only when the full-frame pass found no face or a face near its size limit (a
    tenth of the longer side), where smaller faces it cannot see are likely; an image whose faces are all
    well above that limit (a portrait, a selfie, a webcam) takes one pass.
    """

    name = "mediapipe"

    def __init__(
        self, min_score: float = 0.5, full_range: bool = True, tile_px: int | None = None, tiles: TileScan = "always"
    ):
        try:
            from mediapipe.python.solutions.face_detection import FaceDetection
        except ImportError as exc:  # pragma: no cover - mediapipe is a dependency
            raise ModelLoadError(f"MediaPipe is not installed: {exc}; pip install mediapipe==0.10.21") from exc
        with _native_stderr_silenced():
            self._model = FaceDetection(model_selection=1 if full_range else 0, min_detection_confidence=min_score)
            self._model.process(np.zeros((64, 64, 3), np.uint8))
        self.tile_px = tile_px
        self.tiles = tiles

    def _detect_rgb(self, rgb: np.ndarray, offset_xy: tuple[int, int] = (0, 0)) -> list[Face]:
        height, width = rgb.shape[:2]
        result = self._model.process(rgb)
        faces = []
        for det in result.detections or []:
            rel = det.location_data.relative_bounding_box
            x1 = max(0.0, rel.xmin * width) + offset_xy[0]
            y1 = max(0.0, rel.ymin * height) + offset_xy[1]
            x2 = min(width, (rel.xmin + rel.width) * width) + offset_xy[0]
            y2 = min(height, (rel.ymin + rel.height) * height) + offset_xy[1]
            if x2 <= x1 or y2 <= y1:
                continue
            points = det.location_data.relative_keypoints[:4]
            landmarks = np.array(
                [[p.x * width + offset_xy[0], p.y * height + offset_xy[1]] for p in points], np.float32
            )
            faces.append(Face(BBox(x1, y1, x2, y2), landmarks, float(det.score[0])))
        return faces

    def detect(self, image: np.ndarray) -> list[Face]:
        check_size(image.shape[1], image.shape[0], f"an image of shape {image.shape}", max_pixels=image.size)
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        faces = self._detect_rgb(rgb)
        if self.tile_px and (self.tiles == "always" or _may_miss_small_faces(faces, rgb.shape[1], rgb.shape[0])):
            for x, y in _tile_origins(rgb.shape[1], rgb.shape[0], self.tile_px):
                tile = np.ascontiguousarray(rgb[y : y + self.tile_px, x : x + self.tile_px])
                faces += self._detect_rgb(tile, (x, y))
        return nms(faces)


class HaarDetector:
    """OpenCV's frontal-face Haar cascade (ships with opencv-contrib-python 4.x).

    Slower and less accurate than BlazeFace and blind to profiles; landmarks are estimated from the box
    (no rotation), so alignment only scales and centres. Useful as an independent second opinion.
    """

    name = "haar"

    def __init__(self, min_size_px: int = 24, min_neighbors: int = 5):
        # cv2.data (the bundled cascade folder) exists at run time but not in OpenCV's stubs
        path = cv2.data.haarcascades + "haarcascade_frontalface_default.xml"  # type: ignore[attr-defined]
        self._cascade = cv2.CascadeClassifier(path)
        if self._cascade.empty():
            raise ModelLoadError(f"cannot load the Haar cascade {path}; this OpenCV build ships none (OpenCV 5?)")
        self.min_size_px = min_size_px
        self.min_neighbors = min_neighbors

    def detect(self, image: np.ndarray) -> list[Face]:
        gray = cv2.equalizeHist(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))
        boxes, _, weights = self._cascade.detectMultiScale3(
            gray,
            scaleFactor=1.1,
            minNeighbors=self.min_neighbors,
            minSize=(self.min_size_px, self.min_size_px),
            outputRejectLevels=True,
        )
        faces = []
        for (x, y, w, h), weight in zip(boxes, np.ravel(weights), strict=False):
            rel = np.array([[0.3, 0.4], [0.7, 0.4], [0.5, 0.62], [0.5, 0.8]], np.float32)
            landmarks = rel * [w, h] + [x, y]
            score = float(1 / (1 + np.exp(-weight)))
            faces.append(
                Face(BBox(float(x), float(y), float(x + w), float(y + h)), landmarks.astype(np.float32), score)
            )
        return nms(faces)


DETECTORS = {"mediapipe": MediaPipeDetector, "haar": HaarDetector}


def make_detector(name: str, **options: object) -> FaceDetector:
    """Build a detector by name (mediapipe or haar)."""
    if name not in DETECTORS:
        raise ConfigError(f"unknown detector {name!r}; choose one of {', '.join(DETECTORS)}")
    return DETECTORS[name](**options)
