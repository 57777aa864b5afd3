"""Synthetic input shifts of face crops, to measure what each drift test catches (tests and benchmarks).

Each takes N x S x S uint8 crops and a strength, and returns shifted crops of the same shape:
darken (fraction of brightness removed), low_contrast (fraction of contrast removed), blur (Gaussian sigma,
pixels), downscale (fraction of resolution removed: down to (1 - s) x S and back up), rotate (degrees),
crop_shift (pixels the face moves right and down inside the crop).
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

__all__ = ["SHIFTS", "skew_mix"]


def _each(crops: np.ndarray, change: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    return np.stack([change(c) for c in crops]) if len(crops) else crops


def darken(crops: np.ndarray, strength: float) -> np.ndarray:
    return np.clip(crops.astype(np.float64) * (1 - strength), 0, 255).astype(np.uint8)


def low_contrast(crops: np.ndarray, strength: float) -> np.ndarray:
    mean = crops.reshape(len(crops), crops.shape[1] * crops.shape[2]).mean(1)[:, None, None]
    return np.clip(mean + (crops - mean) * (1 - strength), 0, 255).round().astype(np.uint8)


def blur(crops: np.ndarray, strength: float) -> np.ndarray:
    return _each(crops, lambda c: cv2.GaussianBlur(c, (0, 0), strength))


def downscale(crops: np.ndarray, strength: float) -> np.ndarray:
    side = crops.shape[1]
    small = max(4, round(side * (1 - strength)))
    return _each(
        crops,
        lambda c: cv2.resize(cv2.resize(c, (small, small), interpolation=cv2.INTER_AREA), (side, side)),
    )


def rotate(crops: np.ndarray, strength: float) -> np.ndarray:
    side = crops.shape[1]
    matrix = cv2.getRotationMatrix2D((side / 2, side / 2), strength, 1.0)
    return _each(crops, lambda c: cv2.warpAffine(c, matrix, (side, side), borderMode=cv2.BORDER_REPLICATE))


def crop_shift(crops: np.ndarray, strength: float) -> np.ndarray:
    side = crops.shape[1]
    matrix = np.array([[1, 0, strength], [0, 1, strength]], np.float32)
    return _each(crops, lambda c: cv2.warpAffine(c, matrix, (side, side), borderMode=cv2.BORDER_REPLICATE))


SHIFTS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "darken": darken,
    "low_contrast": low_contrast,
    "blur": blur,
    "downscale": downscale,
    "rotate": rotate,
    "crop_shift": crop_shift,
}


def skew_mix(labels: np.ndarray, target: int, fraction: float, size: int, seed: int = 0) -> np.ndarray:
    """Indices of ``size`` faces of which ``fraction`` have label ``target`` (the rest drawn from the others)."""
    rng = np.random.default_rng(seed)
    hits = np.flatnonzero(labels == target)
    others = np.flatnonzero(labels != target)
    count = round(size * fraction)
    chosen = [rng.choice(hits, count, replace=count > len(hits)), rng.choice(others, size - count, replace=False)]
    return np.concatenate(chosen)
