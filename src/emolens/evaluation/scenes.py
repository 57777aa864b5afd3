"""Whole frames built from face crops, for cross-domain checks: a crop pasted into a 640 x 480 background at a
given size, then the frame shifted as a camera would shift it (lighting, blur, JPEG, noise, rotation)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from emolens.errors import ConfigError
from emolens.types import Face

__all__ = ["BACKGROUNDS", "SHIFTS", "Condition", "default_conditions", "face_in", "render"]

FRAME_WH = (640, 480)
BACKGROUNDS = ("grey", "noise", "clutter")
SHIFTS = ("none", "gamma", "gain", "contrast", "blur", "jpeg", "noise", "rotate")


@dataclass(frozen=True)
class Condition:
    """How one frame is made: the face's side in pixels, the background, one shift and its amount
    (gamma exponent, gain factor, contrast factor, blur sigma px, JPEG quality, noise sigma, rotation deg);
    ``mirror`` also runs the mirrored frame for the mirror-agreement check."""

    name: str
    face_px: int = 96
    background: str = "clutter"
    shift: str = "none"
    amount: float = 0.0
    mirror: bool = False

    def __post_init__(self) -> None:
        if self.background not in BACKGROUNDS:
            raise ConfigError(f"unknown background {self.background!r}; choose one of {', '.join(BACKGROUNDS)}")
        if self.shift not in SHIFTS:
            raise ConfigError(f"unknown shift {self.shift!r}; choose one of {', '.join(SHIFTS)}")
        if self.shift == "jpeg" and not 1 <= self.amount <= 100:
            raise ConfigError(f"JPEG quality must be 1..100, got {self.amount:g}")
        if not 24 <= self.face_px <= min(FRAME_WH) // 2:
            raise ConfigError(f"face_px must be 24..{min(FRAME_WH) // 2}, got {self.face_px}")


def default_conditions() -> list[Condition]:
    """Three face sizes on a cluttered background (with mirror checks), two plain backgrounds, and eight
    camera shifts of a 96 px face."""
    return [
        Condition("clean-64", 64, mirror=True),
        Condition("clean-96", 96, mirror=True),
        Condition("clean-160", 160, mirror=True),
        Condition("grey-background", 96, "grey"),
        Condition("noise-background", 96, "noise"),
        Condition("dark-gamma-2.2", shift="gamma", amount=2.2),
        Condition("bright-gamma-0.45", shift="gamma", amount=0.45),
        Condition("dim-x0.3", shift="gain", amount=0.3),
        Condition("low-contrast-x0.4", shift="contrast", amount=0.4),
        Condition("blur-sigma-2", shift="blur", amount=2.0),
        Condition("jpeg-q15", shift="jpeg", amount=15),
        Condition("noise-sigma-20", shift="noise", amount=20),
        Condition("rotate-15", shift="rotate", amount=15),
    ]


def _background(kind: str, rng: np.random.Generator) -> np.ndarray:
    width, height = FRAME_WH
    if kind == "grey":
        return np.full((height, width, 3), 128, np.uint8)
    if kind == "noise":
        return rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    # clutter: colour noise at three scales (blobs, patches, texture), like an out-of-focus room
    layers = [
        cv2.resize(
            rng.normal(0, weight, (height // cell, width // cell, 3)), (width, height), interpolation=cv2.INTER_CUBIC
        )
        for cell, weight in ((80, 50.0), (20, 25.0), (4, 10.0))
    ]
    return np.clip(128 + sum(layers), 0, 255).astype(np.uint8)


def _shift(
    frame: np.ndarray, condition: Condition, center_xy: tuple[float, float], rng: np.random.Generator
) -> np.ndarray:
    kind, amount = condition.shift, condition.amount
    if kind == "gamma":
        table = np.clip(255 * (np.arange(256) / 255) ** amount, 0, 255).astype(np.uint8)
        return cv2.LUT(frame, table)
    if kind in ("gain", "contrast"):
        pivot = 0.0 if kind == "gain" else 128.0
        return np.clip(pivot + (frame.astype(np.float32) - pivot) * amount, 0, 255).astype(np.uint8)
    if kind == "blur":
        return cv2.GaussianBlur(frame, (0, 0), amount)
    if kind == "jpeg":
        _, encoded = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, int(amount)])
        return cv2.imdecode(encoded, cv2.IMREAD_COLOR)
    if kind == "noise":
        return np.clip(frame + rng.normal(0, amount, frame.shape), 0, 255).astype(np.uint8)
    if kind == "rotate":
        matrix = cv2.getRotationMatrix2D(center_xy, amount, 1.0)
        return cv2.warpAffine(frame, matrix, FRAME_WH, borderMode=cv2.BORDER_REFLECT)
    return frame


def render(
    face: np.ndarray, condition: Condition, rng: np.random.Generator
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A 640 x 480 BGR frame holding the S x S uint8 ``face`` as ``condition`` says, and where the face lies
    (x1, y1, x2, y2); the position is drawn from ``rng``, a margin away from the edges."""
    frame = _background(condition.background, rng)
    side, (width, height) = condition.face_px, FRAME_WH
    margin = side // 4
    x = int(rng.integers(margin, width - side - margin))
    y = int(rng.integers(margin, height - side - margin))
    resized = cv2.resize(face, (side, side), interpolation=cv2.INTER_CUBIC)
    frame[y : y + side, x : x + side] = cv2.cvtColor(resized, cv2.COLOR_GRAY2BGR)
    shifted = _shift(frame, condition, (x + side / 2, y + side / 2), rng)
    return shifted, (x, y, x + side, y + side)


def face_in(faces: Sequence[Face], box: tuple[int, int, int, int]) -> Face | None:
    """The largest of ``faces`` whose centre lies inside ``box`` (x1, y1, x2, y2); None when there is none."""
    x1, y1, x2, y2 = box
    inside = [f for f in faces if x1 <= f.bbox.center[0] <= x2 and y1 <= f.bbox.center[1] <= y2]
    return max(inside, key=lambda f: f.bbox.area) if inside else None
