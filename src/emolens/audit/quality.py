"""Image-quality measures of face crops: sharpness, exposure and contrast, with the thresholds that
flag a crop as blurred, under- or over-exposed, or nearly blank."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

__all__ = ["QualityThresholds", "quality_flags", "quality_measures"]


@dataclass(frozen=True)
class QualityThresholds:
    """Where a crop turns low quality. Lower ``blur_laplacian_var`` flags fewer images as blurred."""

    blur_laplacian_var: float = 300.0  # variance of the Laplacian of the 48 x 48 crop: soft or flat detail
    dark_mean: float = 40.0  # mean gray level below this: under-exposed
    bright_mean: float = 215.0  # mean gray level above this: over-exposed
    blank_std: float = 10.0  # pixel standard deviation below this: nearly blank


def quality_measures(images: np.ndarray) -> dict[str, np.ndarray]:
    """Per image: laplacian_var (sharpness), mean (exposure) and std (contrast), each a float array of N."""
    flat = images.reshape(len(images), -1).astype(np.float32)
    laplacian = np.array([cv2.Laplacian(im, cv2.CV_32F).var() for im in images], np.float32)
    return {"laplacian_var": laplacian, "mean": flat.mean(1), "std": flat.std(1)}


def quality_flags(measures: dict[str, np.ndarray], limits: QualityThresholds) -> dict[str, np.ndarray]:
    """Boolean masks per problem: blank, dark, bright and blurred (a blank crop is not also called blurred)."""
    blank = measures["std"] < limits.blank_std
    return {
        "nearly_blank": blank,
        "under_exposed": measures["mean"] < limits.dark_mean,
        "over_exposed": measures["mean"] > limits.bright_mean,
        "blurred": (measures["laplacian_var"] < limits.blur_laplacian_var) & ~blank,
    }
