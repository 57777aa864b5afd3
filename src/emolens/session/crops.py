"""Saving face crops, one folder per emotion (off unless the user turns it on: privacy); layout in ``facefiles``."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np

from emolens.errors import ConfigError, EmolensError
from emolens.storage.facefiles import crop_name
from emolens.types import Prediction

__all__ = ["FaceCropSaver"]

log = logging.getLogger(__name__)


class FaceCropSaver:
    """Saves every face of one frame in ``every`` into ``folder/<emotion>/`` (names: ``facefiles.crop_name``).

    ``folder`` is the session's (``facefiles.session_folder``), so deleting the session deletes them.
    ``margin`` widens each box by that fraction of its size on every side, so the crop shows the whole face.
    Used by the desktop viewer, the web app's live sessions and the kiosk's "save the current faces".
    """

    def __init__(self, folder: str | Path, every: int = 1, margin: float = 0.15):
        if every < 1:
            raise ConfigError(f"every must be >= 1 frame, got {every}")
        self.folder = Path(folder)
        self.every = every
        self.margin = margin
        self.saved = 0
        self._seen = 0
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise EmolensError(f"cannot create the face folder {self.folder}: {exc}; choose a writable folder") from exc

    def offer(self, image: np.ndarray, predictions: list[Prediction], when: datetime) -> list[Path]:
        """Count one frame; on every ``every``-th, save its faces and return their paths."""
        self._seen += 1
        if (self._seen - 1) % self.every:
            return []
        return self.save(image, predictions, when)

    def save(self, image: np.ndarray, predictions: list[Prediction], when: datetime) -> list[Path]:
        """Save every face of ``image`` now, whatever the frame count; returns the paths written."""
        return [path for p in predictions if (path := self._save(image, p, when)) is not None]

    def _save(self, image: np.ndarray, prediction: Prediction, when: datetime) -> Path | None:
        face = self._cut(image, prediction)
        if face is None:
            return None
        path = self.folder / prediction.label.value / crop_name(prediction, when)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)  # the session's folder may have been deleted meanwhile
            written = cv2.imwrite(str(path), face)
        except OSError as exc:
            log.warning("could not write the face crop %s: %s", path, exc)
            return None
        if not written:
            log.warning("could not write the face crop %s", path)
            return None
        self.saved += 1
        return path

    def _cut(self, image: np.ndarray, prediction: Prediction) -> np.ndarray | None:
        box = prediction.face.bbox
        dx, dy = box.width * self.margin, box.height * self.margin
        height, width = image.shape[:2]
        x1, y1 = max(0, int(box.x1 - dx)), max(0, int(box.y1 - dy))
        x2, y2 = min(width, round(box.x2 + dx)), min(height, round(box.y2 + dy))
        if x2 <= x1 or y2 <= y1:
            return None
        return image[y1:y2, x1:x2]
