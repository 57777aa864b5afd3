"""Turning predictions into observations to store, and saving face crops when the user enabled it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np

from emolens.storage import ObservationIn
from emolens.types import Prediction

__all__ = ["save_face_crops", "to_observations"]

log = logging.getLogger(__name__)


def to_observations(predictions: list[Prediction], at: datetime | None = None) -> list[ObservationIn]:
    """One observation per predicted face, stamped ``at`` (now, UTC, by default)."""
    stamp = at or datetime.now(UTC)
    return [ObservationIn.from_prediction(p, stamp) for p in predictions]


def save_face_crops(image: np.ndarray, predictions: list[Prediction], folder: Path) -> list[Path]:
    """Write each face as ``folder/<emotion>/<emotion>_<confidence%>_<UTC time>_<n>.jpg``; returns the paths."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    paths = []
    for n, p in enumerate(predictions):
        x1, y1, x2, y2 = (round(v) for v in p.face.bbox.xyxy)
        crop = image[max(0, y1) : max(0, y2), max(0, x1) : max(0, x2)]
        if crop.size == 0:
            continue
        target = folder / p.label.value / f"{p.label.value}_{round(p.confidence * 100)}_{stamp}_{n}.jpg"
        target.parent.mkdir(parents=True, exist_ok=True)
        if cv2.imwrite(str(target), crop):
            paths.append(target)
        else:
            log.warning("could not write face crop %s", target)
    return paths
