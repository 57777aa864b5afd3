"""Emotion classification of aligned face crops with ONNX Runtime, and the model card beside each model."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from emolens.errors import InvalidImageError, ModelLoadError
from emolens.types import Emotion, parse_emotion

__all__ = ["DEFAULT_MODEL", "EmotionClassifier", "ModelCard", "OnnxClassifier", "default_model_path", "softmax"]

log = logging.getLogger(__name__)

DEFAULT_MODEL = "emolens-fer-vgg-l-int8"
LOGITS_CHUNK = 256  # faces per ONNX Runtime call


@dataclass(frozen=True)
class ModelCard:
    """What a model needs at inference and what it was shown to do: labels, input, temperature, metrics."""

    name: str
    version: str
    labels: tuple[Emotion, ...]
    input_size: int = 48
    temperature: float = 1.0
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> ModelCard:
        """Read a card (JSON); raises ModelLoadError naming what is missing or wrong."""
        try:
            raw = json.loads(path.read_text())
        except FileNotFoundError as exc:
            raise ModelLoadError(f"model card {path} is missing; every model needs a card beside it") from exc
        except (OSError, json.JSONDecodeError) as exc:
            raise ModelLoadError(f"model card {path} is unreadable: {exc}") from exc
        try:
            labels = tuple(parse_emotion(name) for name in raw["labels"])
            if None in labels:
                raise ModelLoadError(f"model card {path} has unknown labels {raw['labels']}")
            known = {"name", "version", "labels", "input_size", "temperature"}
            return cls(
                name=raw["name"],
                version=str(raw["version"]),
                labels=labels,  # type: ignore[arg-type]
                input_size=int(raw.get("input_size", 48)),
                temperature=float(raw.get("temperature", 1.0)),
                extra={k: v for k, v in raw.items() if k not in known},
            )
        except KeyError as exc:
            raise ModelLoadError(f"model card {path} lacks the key {exc}") from exc

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "labels": [e.value for e in self.labels],
            "input_size": self.input_size,
            "temperature": self.temperature,
            **self.extra,
        }


class EmotionClassifier(Protocol):
    """Turns aligned grayscale face crops into probabilities over its labels."""

    card: ModelCard

    def predict_proba(self, faces: np.ndarray) -> np.ndarray:
        """N x S x S uint8 crops -> N x len(labels) float32 calibrated probabilities."""
        ...


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Row-wise softmax of logits / temperature."""
    z = logits.astype(np.float64) / temperature
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def default_model_path() -> Path:
    """The shipped default model inside the package."""
    return Path(str(resources.files("emolens.models").joinpath(f"{DEFAULT_MODEL}.onnx")))


class OnnxClassifier:
    """An ONNX emotion model whose graph takes raw pixels (N x 1 x S x S float32, 0..255) and gives logits.

    ``threads`` sets ONNX Runtime's intra-op threads (0: its default, all cores).
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, threads: int = 0):
        import onnxruntime as ort

        self.path = Path(path) if path is not None else default_model_path()
        if not self.path.is_file():
            raise ModelLoadError(f"model file {self.path} does not exist")
        self.card = ModelCard.load(self.path.with_suffix(".json"))
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelLoadError(f"ONNX Runtime cannot load {self.path}: {exc}") from exc
        self._input = self._session.get_inputs()[0].name

    def logits(self, faces: np.ndarray) -> np.ndarray:
        """Raw logits for N x S x S uint8 crops."""
        size = self.card.input_size
        if faces.ndim != 3 or faces.shape[1:] != (size, size):
            raise InvalidImageError(f"expected N x {size} x {size} crops, got shape {faces.shape}")
        if len(faces) == 0:
            return np.zeros((0, len(self.card.labels)), np.float32)
        # in chunks: one run over thousands of faces holds every activation at once (tens of GB)
        return np.concatenate(
            [
                self._session.run(None, {self._input: faces[i : i + LOGITS_CHUNK].astype(np.float32)[:, None]})[0]
                for i in range(0, len(faces), LOGITS_CHUNK)
            ]
        )

    def predict_proba(self, faces: np.ndarray) -> np.ndarray:
        return softmax(self.logits(faces), self.card.temperature)
