"""emolens: facial emotion recognition, accurate, calibrated and fast on a laptop CPU.

>>> from emolens import Analyzer
>>> faces = Analyzer().analyze("photo.jpg")   # doctest: +SKIP
>>> faces[0].label, faces[0].confidence       # doctest: +SKIP
"""

from __future__ import annotations

from emolens.errors import (
    CheckpointError,
    ConfigError,
    DatabaseError,
    DataLayoutError,
    EmolensError,
    InvalidImageError,
    InvalidNameError,
    ModelLoadError,
    PersonNotFoundError,
    SessionNotFoundError,
    SourceError,
    StorageError,
    TrainingError,
)
from emolens.types import EMOTIONS, BBox, Emotion, Face, FrameResult, Prediction
from emolens.vision.pipeline import Analyzer

__version__ = "0.1.0"

__all__ = [
    "EMOTIONS",
    "Analyzer",
    "BBox",
    "CheckpointError",
    "ConfigError",
    "DataLayoutError",
    "DatabaseError",
    "EmolensError",
    "Emotion",
    "Face",
    "FrameResult",
    "InvalidImageError",
    "InvalidNameError",
    "ModelLoadError",
    "PersonNotFoundError",
    "Prediction",
    "SessionNotFoundError",
    "SourceError",
    "StorageError",
    "TrainingError",
    "__version__",
]
