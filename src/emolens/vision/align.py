"""Face alignment: rotate so the eyes are level, then crop and scale to the classifier's input.

The crop geometry copies FER2013's: measured by running BlazeFace on FER2013 crops, the face box spans
0.887 of the crop side and its centre sits at (0.4965, 0.5485) of the crop, so an aligned crop of a new
face looks like the crops the model was trained on.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from emolens.types import Face

__all__ = ["FER_GEOMETRY", "CropGeometry", "align_faces", "alignment_matrix"]


class CropGeometry:
    """Where the face box lands inside the crop: its side and centre as fractions of the crop side."""

    def __init__(self, box_fraction: float, center_xy: tuple[float, float]):
        self.box_fraction = box_fraction
        self.center_xy = center_xy


FER_GEOMETRY = CropGeometry(box_fraction=0.887, center_xy=(0.4965, 0.5485))


def alignment_matrix(face: Face, size: int, geometry: CropGeometry = FER_GEOMETRY) -> np.ndarray:
    """The 2 x 3 affine matrix taking image pixels to a ``size`` x ``size`` aligned crop."""
    (rx, ry), (lx, ly) = face.eyes_xy
    angle_deg = math.degrees(math.atan2(ly - ry, lx - rx))
    box = face.bbox
    side = (box.width + box.height) / 2
    scale = size * geometry.box_fraction / max(side, 1e-6)
    cx, cy = box.center
    matrix = cv2.getRotationMatrix2D((cx, cy), angle_deg, scale)
    matrix[0, 2] += geometry.center_xy[0] * size - cx
    matrix[1, 2] += geometry.center_xy[1] * size - cy
    return matrix


def align_faces(
    image: np.ndarray, faces: list[Face], size: int = 48, geometry: CropGeometry = FER_GEOMETRY
) -> np.ndarray:
    """Aligned grayscale crops of ``faces`` in a BGR image: N x size x size uint8."""
    if not faces:
        return np.zeros((0, size, size), np.uint8)
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    crops = [
        cv2.warpAffine(
            gray,
            alignment_matrix(face, size, geometry),
            (size, size),
            flags=cv2.INTER_AREA,
            borderMode=cv2.BORDER_REPLICATE,
        )
        for face in faces
    ]
    return np.stack(crops)
