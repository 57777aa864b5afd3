"""Turning predictions into observations to store, and saving face crops when the user enabled it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np

from emolens.storage import ObservationIn
from emolens.storage.facefiles import crop_name
from emolens.types import Prediction

__all__ = ["save_face_crops", "to_observations"]

log = logging.getLogger(__name__)


def to_observations(predictions: list[Prediction], at: datetime | None = None) -> list[ObservationIn]:
    """One observation per predicted face, stamped ``at`` (now, UTC, by default)."""
    stamp = at or datetime.now(UTC)
    return [ObservationIn.from_prediction(p, stamp) for p in predictions]


def save_face_crops(image: np.ndarray, predictions: list[Prediction], folder: Path) -> list[Path]:
    """Write each face as ``folder/<emotion>/<crop_name>``; returns the paths.

    ``folder`` is the session's folder (``facefiles.session_folder``), so deleting the session deletes them.
    """
    when = datetime.now(UTC)
    paths = []
    for p in predictions:
        x1, y1, x2, y2 = (round(v) for v in p.face.bbox.xyxy)
        crop = image[max(0, y1) : max(0, y2), max(0, x1) : max(0, x2)]
        if crop.size == 0:
            continue
        target = folder / p.label.value / crop_name(p, when)
        target.parent.mkdir(parents=True, exist_ok=True)
        if cv2.imwrite(str(target), crop):
            paths.append(target)
        else:
            log.warning("could not write face crop %s", target)
    return paths
