"""Real faces for the evaluation tests: the astronaut's face, detected and aligned like a served face."""

from __future__ import annotations

import numpy as np
import pytest

from emolens.vision.align import align_faces


@pytest.fixture(scope="session")
def astronaut_face(analyzer, astronaut_bgr: np.ndarray) -> np.ndarray:
    """The astronaut's aligned 48 x 48 face crop (the shipped model reads it as happy)."""
    face = analyzer.analyze(astronaut_bgr)[0].face
    return align_faces(astronaut_bgr, [face], 48)[0]
