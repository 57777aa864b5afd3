"""A model's reference profile: what its validation faces looked like, saved as a small JSON file beside the
model (``<model>.profile.json``) so drift can be tested later against new data.

Each number keeps a capped random sample (1,000 values), enough to recompute Kolmogorov-Smirnov and PSI; the
penultimate features keep the PCA fitted on the reference (mean and 8 components) and a capped sample of their
projections; the predictions keep their counts per class and the mean confidence.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from emolens.errors import ModelLoadError
from emolens.monitoring.features import FeatureReader, LandmarkFinder, Measurements
from emolens.vision.classify import default_model_path

__all__ = ["PCA_DIMS", "SAMPLE_CAP", "Profile", "build_profile", "profile_path", "write_reference_profile"]

SAMPLE_CAP = 1000
EMBEDDING_CAP = 500
PCA_DIMS = 8


def profile_path(model: str | Path | None = None) -> Path:
    """Where the profile of ``model`` (default: the served model) lies: ``<model stem>.profile.json``."""
    path = Path(model) if model is not None else default_model_path()
    return path.with_name(f"{path.stem}.profile.json")


def _round(values: np.ndarray, digits: int = 4) -> list[float]:
    """Values rounded to ``digits`` significant digits (keeps the file small)."""
    return [float(f"{v:.{digits}g}") for v in np.asarray(values, np.float64).ravel()]


@dataclass(frozen=True)
class Profile:
    """The reference: samples per numeric feature, PCA of the penultimate features and a sample of its
    projections, prediction counts per label and the mean confidence."""

    model: str
    model_version: str
    source: str
    faces: int
    labels: list[str]
    samples: dict[str, list[float]]
    prediction_counts: dict[str, int]
    mean_confidence: float
    pca_mean: list[float]
    pca_components: list[list[float]]
    embedding_sample: list[list[float]]

    def sample(self, feature: str) -> np.ndarray:
        """The stored sample of one numeric feature (float64)."""
        return np.asarray(self.samples[feature], np.float64)

    def project(self, embedding: np.ndarray) -> np.ndarray:
        """N x C penultimate features -> N x PCA_DIMS, with the reference's PCA."""
        if len(embedding) == 0:
            return np.zeros((0, len(self.pca_components)))
        centred = embedding.astype(np.float64) - np.asarray(self.pca_mean)
        return centred @ np.asarray(self.pca_components).T

    def save(self, path: Path) -> Path:
        """Write the profile as JSON."""
        path.write_text(json.dumps(asdict(self), separators=(",", ":")) + "\n")
        return path

    @classmethod
    def load(cls, path: Path) -> Profile:
        """Read a profile; ModelLoadError says what is missing or wrong."""
        try:
            raw: dict[str, Any] = json.loads(Path(path).read_text())
            return cls(**raw)
        except FileNotFoundError as exc:
            raise ModelLoadError(
                f"drift profile {path} is missing; `emolens export` writes one beside each model"
            ) from exc
        except (OSError, json.JSONDecodeError, TypeError) as exc:
            raise ModelLoadError(f"drift profile {path} is unreadable: {exc}") from exc


def _capped(values: np.ndarray, cap: int, rng: np.random.Generator) -> np.ndarray:
    return values if len(values) <= cap else values[np.sort(rng.choice(len(values), cap, replace=False))]


def _pca(embedding: np.ndarray, dims: int) -> tuple[np.ndarray, np.ndarray]:
    """(mean C, dims x C principal axes) of N x C features."""
    mean = embedding.mean(0)
    _, _, vt = np.linalg.svd(embedding - mean, full_matrices=False)
    return mean, vt[:dims]


def build_profile(
    measured: Measurements, labels: list[str], model: str, model_version: str, source: str, seed: int = 0
) -> Profile:
    """The profile of ``measured`` faces (at least 2), with predictions indexing ``labels``."""
    if len(measured) < 2:
        raise ValueError(f"a profile needs at least 2 faces, got {len(measured)}")
    rng = np.random.default_rng(seed)
    samples = {}
    for name, values in measured.numbers.items():
        finite = values[np.isfinite(values)]
        if len(finite) >= 2:
            samples[name] = _round(_capped(finite, SAMPLE_CAP, rng))
    embedding = measured.embedding.astype(np.float64)
    mean, axes = _pca(embedding, PCA_DIMS)
    projected = _capped((embedding - mean) @ axes.T, EMBEDDING_CAP, rng)
    counts = np.bincount(measured.predicted, minlength=len(labels))
    return Profile(
        model=model,
        model_version=model_version,
        source=source,
        faces=len(measured),
        labels=list(labels),
        samples=samples,
        prediction_counts={name: int(c) for name, c in zip(labels, counts, strict=True)},
        mean_confidence=round(float(measured.confidence.mean()), 4),
        pca_mean=_round(mean, 5),
        pca_components=[_round(row, 5) for row in axes],
        embedding_sample=[_round(row) for row in projected],
    )


def write_reference_profile(model: Path, crops: np.ndarray, source: str) -> Path:
    """Measure ``crops`` (N x S x S uint8 validation faces) with ``model`` and write its profile beside it."""
    reader = FeatureReader(model)
    measured = reader.measure(crops, LandmarkFinder())
    card = reader.card
    profile = build_profile(measured, [e.value for e in card.labels], card.name, card.version, source)
    return profile.save(profile_path(model))
