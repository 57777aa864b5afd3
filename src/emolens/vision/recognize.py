"""Face recognition: embeddings of detected faces, and a gallery of enrolled people to match them against.

The default recognizer is dlib's ResNet (128-d embeddings, 99.38% on LFW as published by dlib), run
offline from the model files inside the ``face_recognition_models`` wheel. Faces whose Euclidean distance
to every enrolled embedding exceeds the gallery's threshold stay unknown (``None``).
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from emolens.errors import ConfigError, InvalidImageError, ModelLoadError
from emolens.types import Face

__all__ = [
    "DEFAULT_THRESHOLD",
    "MIN_ENROL_FACE_PX",
    "DlibRecognizer",
    "FaceRecognizer",
    "Gallery",
    "Match",
    "check_enrolment_faces",
]

log = logging.getLogger(__name__)

# dlib's customary threshold for its ResNet embeddings: same person below, different people above.
DEFAULT_THRESHOLD = 0.6
# Faces narrower than this give unreliable embeddings (dlib's chips are 150 px); enrolment refuses them.
MIN_ENROL_FACE_PX = 48


class FaceRecognizer(Protocol):
    """Turns faces into embeddings: close vectors for the same person, distant ones for different people."""

    name: str
    dim: int

    def embed(self, image: np.ndarray, faces: list[Face]) -> np.ndarray:
        """Embeddings of ``faces`` in an H x W x 3 uint8 BGR image: N x dim float32."""
        ...


def _dlib_model_dir() -> Path:
    """The folder of dlib's model files in the face_recognition_models wheel, without importing it.

    Importing that package needs setuptools' pkg_resources, which new setuptools no longer ship; the
    files are plain data, so finding the package is enough.
    """
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise ModelLoadError("face recognition needs dlib's models: pip install dlib-bin face_recognition_models")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


class DlibRecognizer:
    """dlib's face recognition ResNet on faces aligned by its 5-point shape predictor.

    ``num_jitters`` > 0 averages the embedding over that many jittered copies: slightly more robust,
    that many times slower. Calls are serialised: one instance is safe to share between threads.
    """

    name = "dlib-resnet-v1"
    dim = 128

    def __init__(self, num_jitters: int = 0, model_dir: str | Path | None = None):
        try:
            import dlib
        except ImportError as exc:
            raise ModelLoadError(f"dlib is not installed ({exc}); pip install dlib-bin") from exc
        folder = Path(model_dir) if model_dir else _dlib_model_dir()
        shape_file = folder / "shape_predictor_5_face_landmarks.dat"
        net_file = folder / "dlib_face_recognition_resnet_model_v1.dat"
        for path in (shape_file, net_file):
            if not path.is_file():
                raise ModelLoadError(f"missing dlib model {path}; reinstall face_recognition_models")
        self._dlib = dlib
        self._shapes = dlib.shape_predictor(str(shape_file))
        self._net = dlib.face_recognition_model_v1(str(net_file))
        self.num_jitters = num_jitters
        self._lock = threading.Lock()

    def embed(self, image: np.ndarray, faces: list[Face]) -> np.ndarray:
        if not faces:
            return np.zeros((0, self.dim), np.float32)
        rgb = np.ascontiguousarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
        with self._lock:
            shapes = self._dlib.full_object_detections()
            for face in faces:
                x1, y1, x2, y2 = (round(v) for v in face.bbox.xyxy)
                shapes.append(self._shapes(rgb, self._dlib.rectangle(x1, y1, x2, y2)))
            vectors = self._net.compute_face_descriptor(rgb, shapes, self.num_jitters)
        return np.asarray([np.asarray(v) for v in vectors], np.float32)


@dataclass(frozen=True)
class Match:
    """A face's best match in the gallery: the person (None when unknown) and the distance to them."""

    person: str | None
    distance: float


def check_enrolment_faces(faces: list[Face], source: str = "the photo") -> Face:
    """The one face of an enrolment photo; InvalidImageError saying what is wrong otherwise."""
    if len(faces) != 1:
        found = "no face" if not faces else f"{len(faces)} faces"
        raise InvalidImageError(
            f"{source}: found {found}; enrolment needs a photo with exactly one face, seen from the front"
        )
    width = faces[0].bbox.width
    if width < MIN_ENROL_FACE_PX:
        raise InvalidImageError(
            f"{source}: the face is {width:.0f} px wide; enrolment needs at least {MIN_ENROL_FACE_PX} px: "
            "use a closer photo"
        )
    return faces[0]


class Gallery:
    """Enrolled people, each with one or more embeddings; matches faces to the nearest person.

    ``threshold`` trades false accepts for misses: lower names fewer strangers wrongly but leaves more
    enrolled faces unknown (0.6 is dlib's usual choice for its ResNet). Updates swap an immutable
    snapshot, so analyzers in other threads always see a consistent gallery; ``version`` counts updates.
    """

    def __init__(self, entries: Iterable[tuple[str, np.ndarray]] = (), threshold: float = DEFAULT_THRESHOLD):
        if threshold <= 0:
            raise ConfigError(f"threshold must be > 0, got {threshold}")
        self.threshold = threshold
        self.version = 0
        self._snapshot: tuple[tuple[str, ...], np.ndarray] = ((), np.zeros((0, 0), np.float32))
        self.replace(entries)

    def replace(self, entries: Iterable[tuple[str, np.ndarray]]) -> None:
        """Swap in a new set of (person, embedding) pairs."""
        pairs = [(name, np.asarray(v, np.float32).ravel()) for name, v in entries]
        dims = {v.size for _, v in pairs}
        if len(dims) > 1:
            raise ModelLoadError(f"gallery embeddings must share one size, got sizes {sorted(dims)}")
        names = tuple(name for name, _ in pairs)
        vectors = np.stack([v for _, v in pairs]) if pairs else np.zeros((0, 0), np.float32)
        self._snapshot = (names, vectors)  # one assignment: readers never see names and vectors out of step
        self.version += 1

    def add(self, name: str, embeddings: np.ndarray) -> None:
        """Enrol more embeddings (N x dim, or one vector) for ``name``."""
        new = [(name, v) for v in np.atleast_2d(np.asarray(embeddings, np.float32))]
        self.replace([*self.entries(), *new])

    def remove(self, name: str) -> None:
        """Forget every embedding of ``name`` (no error when absent)."""
        self.replace([(n, v) for n, v in self.entries() if n != name])

    def entries(self) -> list[tuple[str, np.ndarray]]:
        """Every (person, embedding) pair, in enrolment order."""
        names, vectors = self._snapshot
        return list(zip(names, vectors, strict=True))

    @property
    def people(self) -> list[str]:
        """Enrolled names, sorted."""
        return sorted(set(self._snapshot[0]))

    def __len__(self) -> int:
        return len(self._snapshot[0])

    @staticmethod
    def _person_distances(
        embeddings: np.ndarray, names: tuple[str, ...], vectors: np.ndarray
    ) -> tuple[list[str], np.ndarray]:
        """(people, N x P matrix of each face's distance to each person's nearest embedding)."""
        people = sorted(set(names))
        all_d = np.linalg.norm(embeddings[:, None, :] - vectors[None, :, :], axis=2)
        owner = np.array([people.index(n) for n in names])
        per_person = np.full((len(embeddings), len(people)), np.inf)
        for p in range(len(people)):
            per_person[:, p] = all_d[:, owner == p].min(axis=1)
        return people, per_person

    def match(self, embeddings: np.ndarray) -> list[Match]:
        """The person of each embedding (N x dim); closest pairs first, one person names at most one face."""
        embeddings = np.atleast_2d(np.asarray(embeddings, np.float32))
        names, vectors = self._snapshot
        if not names or not len(embeddings):
            return [Match(None, float("inf"))] * len(embeddings)
        if embeddings.shape[1] != vectors.shape[1]:
            raise ModelLoadError(f"embeddings have {embeddings.shape[1]} values, the gallery's have {vectors.shape[1]}")
        people, dist = self._person_distances(embeddings, names, vectors)
        matches = [Match(None, float(dist[i].min())) for i in range(len(embeddings))]
        taken_faces: set[int] = set()
        taken_people: set[int] = set()
        for flat in np.argsort(dist, axis=None):
            face, person = divmod(int(flat), len(people))
            if dist[face, person] > self.threshold:
                break
            if face not in taken_faces and person not in taken_people:
                matches[face] = Match(people[person], float(dist[face, person]))
                taken_faces.add(face)
                taken_people.add(person)
        return matches
