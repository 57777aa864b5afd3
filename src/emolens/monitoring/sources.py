"""New faces to test for drift, measured the way the reference was: a folder of images (whole photos are
detected and aligned; crops of the model's input size are taken as they are), a video, or stored
observations (predictions and box sizes only: the inputs themselves are not stored)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable

import cv2
import numpy as np

from emolens.errors import InvalidImageError
from emolens.monitoring.features import FeatureReader, LandmarkFinder, Measurements, frame_statistics
from emolens.types import Face
from emolens.vision.align import align_faces
from emolens.vision.detect import FaceDetector
from emolens.vision.io import VideoSource, list_images, read_image

__all__ = ["Measurer", "measure_observations"]

log = logging.getLogger(__name__)


class Measurer:
    """Measures faces for drift with one model (``reader``), landmark finder and face detector."""

    def __init__(self, reader: FeatureReader, detector: FaceDetector, finder: LandmarkFinder | None = None):
        self.reader = reader
        self.detector = detector
        self.finder = finder or LandmarkFinder()

    @property
    def size(self) -> int:
        return self.reader.card.input_size

    def crops(self, crops: np.ndarray) -> Measurements:
        """N x S x S uint8 crops, taken as the classifier sees them (no frame statistics)."""
        return self.reader.measure(crops, self.finder)

    def faces(self, image: np.ndarray, faces: list[Face]) -> Measurements:
        """``faces`` already found in one BGR frame, aligned, with their frame statistics."""
        measured = self.crops(align_faces(image, faces, self.size))
        measured.numbers.update(frame_statistics(faces, (image.shape[1], image.shape[0])))
        return measured

    def frame(self, image: np.ndarray) -> Measurements | None:
        """Every face of one BGR frame (see ``faces``); None when there is none."""
        faces = self.detector.detect(image)
        return self.faces(image, faces) if faces else None

    def _joined(self, parts: Iterable[Measurements | None], what: str) -> Measurements:
        found = [p for p in parts if p is not None and len(p)]
        if not found:
            raise InvalidImageError(f"no face found in {what}; drift needs faces to measure")
        return Measurements.concat(found) if len(found) > 1 else found[0]

    def folder(self, folder: str | os.PathLike[str], limit: int | None = None) -> Measurements:
        """Every image under ``folder``: S x S grey crops directly, whole photos detected and aligned."""
        crops, frames = [], []
        for path in list_images(folder)[:limit]:
            grey = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
            if grey is not None and grey.shape == (self.size, self.size):
                crops.append(grey)
                continue
            try:
                frames.append(self.frame(read_image(path)))
            except InvalidImageError as exc:
                log.warning("skipping %s: %s", path, exc)
        if crops and any(f is not None for f in frames):
            log.warning(
                "%s mixes %d crops with whole photos: frame statistics cover the photos only", folder, len(crops)
            )
        parts = [self.crops(np.stack(crops))] if crops else []
        if parts and frames:  # crops have no frame statistics: give them NaN so every part has the same keys
            parts[0].numbers.update({k: np.full(len(crops), np.nan) for k in ("face_px", "face_frac")})
        return self._joined([*parts, *frames], str(folder))

    def video(self, source: str | os.PathLike[str], every: int = 1, limit: int | None = None) -> Measurements:
        """Every face in a video (one frame in ``every``, at most ``limit`` frames)."""
        parts = []
        with VideoSource(source, every=every) as video:
            for i, frame in enumerate(video):
                if limit is not None and i >= limit:
                    break
                parts.append(self.frame(frame.image))
        return self._joined(parts, str(source))


def measure_observations(
    emotions: list[str], confidences: list[float], boxes: list[tuple[float, float, float, float] | None],
    labels: list[str],
) -> Measurements:  # fmt: skip
    """Stored observations as measurements: the prediction mix, confidences and box sides in pixels."""
    known = [i for i, e in enumerate(emotions) if e in labels]
    predicted = np.array([labels.index(emotions[i]) for i in known], np.int64)
    confidence = np.array([confidences[i] for i in known], np.float64)
    sides = [boxes[i] for i in known]
    face_px = np.array([((b[2] - b[0]) + (b[3] - b[1])) / 2 if b else np.nan for b in sides], np.float64)
    return Measurements(
        {"confidence": confidence, "face_px": face_px}, np.zeros((len(known), 0)), predicted, confidence
    )
