"""A batch worker: one Analyzer that turns a unit into its part, the untracked faces of its frames.

A part holds, per face, its frame, box, detector score and raw probabilities (plus its embedding while people
are enrolled, or its person for an image); tracking and smoothing wait for the merge, which sees every frame
of a video in order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import cv2
import numpy as np
import pyarrow as pa

from emolens.batch.plan import BatchOptions, Unit
from emolens.types import Face, Prediction
from emolens.vision.io import Frame, VideoSource, read_image
from emolens.vision.pipeline import Analyzer
from emolens.vision.recognize import Gallery

__all__ = ["PART_SCHEMA", "UnitResult", "UnitWorker", "limit_threads"]

log = logging.getLogger(__name__)

_FLOATS = pa.list_(pa.float32())
PART_SCHEMA = pa.schema(
    [
        ("frame", pa.int64()),
        ("time_s", pa.float64()),
        ("x1", pa.float64()),
        ("y1", pa.float64()),
        ("x2", pa.float64()),
        ("y2", pa.float64()),
        ("score", pa.float64()),
        ("probabilities", _FLOATS),
        ("embedding", _FLOATS),
        ("person", pa.string()),
    ]
)


@dataclass
class UnitResult:
    """What a worker made of a unit: its faces (``PART_SCHEMA``), the frames it read, and its error if any.

    ``labels``, ``model`` and ``model_version`` describe the classifier whose probabilities the faces hold.
    """

    unit_id: str
    faces: pa.Table
    frames: list[int] = field(default_factory=list)
    error: str | None = None
    labels: list[str] = field(default_factory=list)
    model: str = ""
    model_version: str = ""


def limit_threads() -> None:
    """OpenCV on one thread (ONNX Runtime gets one through the Analyzer): N workers on N cores do not fight."""
    cv2.setNumThreads(1)


def _rows(frame: Frame, faces: list[Face], probs: np.ndarray, embeddings: np.ndarray | None) -> list[dict]:
    """One part row per face of ``frame``; ``probs`` N x classes, ``embeddings`` N x dim or None."""
    return [
        {
            "frame": frame.index,
            "time_s": frame.timestamp_s,
            **dict(zip(("x1", "y1", "x2", "y2"), face.bbox.xyxy, strict=True)),
            "score": face.score,
            "probabilities": probs[i].astype(np.float32).tolist(),
            "embedding": None if embeddings is None else embeddings[i].tolist(),
            "person": None,
        }
        for i, face in enumerate(faces)
    ]


def _image_rows(image: np.ndarray, predictions: list[Prediction], classes: int) -> list[dict]:
    """The part rows of an image (frame 0), each with its person as recognised by ``Analyzer.analyze``."""
    probs = np.array([list(p.probabilities.values()) for p in predictions], np.float32).reshape(-1, classes)
    rows = _rows(Frame(0, 0.0, image), [p.face for p in predictions], probs, None)
    for row, prediction in zip(rows, predictions, strict=True):
        row["person"] = prediction.person
    return rows


class UnitWorker:
    """Holds one Analyzer (ONNX Runtime and OpenCV on one thread) and analyses units one after another."""

    def __init__(self, options: BatchOptions, gallery: Gallery | None = None):
        limit_threads()
        self.analyzer = Analyzer(
            detector=options.detector,
            model=options.model,
            min_face_score=options.min_face_score,
            threads=1,
            gallery=gallery,
            refresh_every=options.refresh_every,
        )
        self.card = self.analyzer.classifier.card

    def run(self, unit: Unit) -> UnitResult:
        """The unit's faces; an unreadable file gives a result with its error, never an exception."""
        frames: list[int] = []
        try:
            rows = self._image(unit, frames) if unit.kind == "image" else self._video(unit, frames)
            error = None
        except Exception as exc:  # one bad file must not stop a batch of thousands: report it with the unit
            log.info("unit %s of %s failed: %s", unit.unit_id, unit.path, exc)
            rows, error = [], str(exc) or type(exc).__name__
            frames.clear()
        table = pa.Table.from_pylist(rows, schema=PART_SCHEMA)
        labels = [e.value for e in self.card.labels]
        return UnitResult(unit.unit_id, table, frames, error, labels, self.card.name, self.card.version)

    def _image(self, unit: Unit, frames: list[int]) -> list[dict]:
        image = read_image(unit.path, self.analyzer.max_pixels)
        predictions = self.analyzer.analyze(image)
        frames.append(0)
        return _image_rows(image, predictions, len(self.card.labels))

    def _video(self, unit: Unit, frames: list[int]) -> list[dict]:
        rows: list[dict] = []
        source = VideoSource(unit.path, every=unit.every, start=unit.start, stop=unit.stop)
        for frame in source:
            faces, probs = self.analyzer.observe_frame(frame)
            rows += _rows(frame, faces, probs, self.analyzer.embed_faces(frame.image, faces))
            frames.append(frame.index)
        return rows
