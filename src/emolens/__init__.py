"""emolens: facial emotion recognition, accurate, calibrated and fast on a laptop CPU.

>>> from emolens import Analyzer
>>> faces = Analyzer().analyze("photo.jpg")   # doctest: +SKIP
>>> faces[0].label, faces[0].confidence       # doctest: +SKIP
"""

from __future__ import annotations

from emolens.errors import DataLayoutError, EmolensError, InvalidImageError, ModelLoadError, SourceError
from emolens.types import EMOTIONS, BBox, Emotion, Face, FrameResult, Prediction
from emolens.vision.pipeline import Analyzer

__version__ = "0.1.0"

__all__ = [
    "EMOTIONS",
    "Analyzer",
    "BBox",
    "DataLayoutError",
    "EmolensError",
    "Emotion",
    "Face",
    "FrameResult",
    "InvalidImageError",
    "ModelLoadError",
    "Prediction",
    "SourceError",
    "__version__",
]
