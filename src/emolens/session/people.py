"""People: enrol faces from photos into the store, and build the recognition gallery from it.

>>> record = enrol(store, analyzer, "Ada", ["ada1.jpg", "ada2.jpg"])   # doctest: +SKIP
>>> analyzer.gallery = load_gallery(store, analyzer.recognizer)       # doctest: +SKIP
>>> watch = gallery_watch(store, analyzer.recognizer, analyzer.gallery)  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from emolens.errors import InvalidImageError
from emolens.storage import PEOPLE, EnrolledFace, PersonRecord, RevisionWatch, Store, check_person_name
from emolens.vision.io import ImageInput
from emolens.vision.pipeline import Analyzer
from emolens.vision.recognize import DEFAULT_THRESHOLD, FaceRecognizer, Gallery

__all__ = ["enrol", "gallery_watch", "load_gallery", "photo_sha256", "reload_gallery"]

log = logging.getLogger(__name__)


def photo_sha256(image: ImageInput) -> str:
    """A photo's SHA-256 (of the file's bytes, or of the array's pixels): enrols it once, identifies it later."""
    if isinstance(image, np.ndarray):
        digest = hashlib.sha256(str(image.shape).encode())
        digest.update(np.ascontiguousarray(image).tobytes())
        return digest.hexdigest()
    if isinstance(image, bytes | bytearray | memoryview):
        return hashlib.sha256(image).hexdigest()
    return hashlib.sha256(Path(image).read_bytes()).hexdigest()


def _label(image: ImageInput, index: int) -> str:
    return os.fspath(image) if isinstance(image, str | os.PathLike) else f"photo {index + 1}"


def enrol(
    store: Store, analyzer: Analyzer, name: str, photos: Iterable[ImageInput], labels: Iterable[str] | None = None
) -> PersonRecord:
    """Enrol ``name`` from photos, each with exactly one face; all or nothing.

    A photo without exactly one usable face raises InvalidImageError naming that photo (via ``labels``
    when given) and nothing is stored. Only embeddings and the photos' hashes are stored, never the photos.
    """
    name, photos = check_person_name(name), list(photos)
    names = list(labels) if labels is not None else [_label(p, i) for i, p in enumerate(photos)]
    if not photos:
        raise InvalidImageError(f"enrolling {name!r} needs at least one photo with their face")
    model = analyzer.recognizer.name
    faces = [
        EnrolledFace(analyzer.embed_one(photo, source=label), model, photo_sha256(photo))
        for photo, label in zip(photos, names, strict=True)
    ]
    record = store.people.add(name, faces)
    log.info("enrolled %s from %d photo(s); %d embedding(s) in all", name, len(faces), record.embedding_count)
    return record


def load_gallery(store: Store, recognizer: FaceRecognizer, threshold: float = DEFAULT_THRESHOLD) -> Gallery:
    """The gallery of every person enrolled with ``recognizer``'s model."""
    return Gallery(store.people.embeddings(recognizer.name), threshold=threshold)


def reload_gallery(store: Store, recognizer: FaceRecognizer, gallery: Gallery) -> None:
    """Swap the enrolled embeddings into ``gallery`` (shared by every analyzer); tracks re-check their person."""
    gallery.replace(load_gallery(store, recognizer, gallery.threshold).entries())


def gallery_watch(store: Store, recognizer: FaceRecognizer, gallery: Gallery) -> RevisionWatch:
    """A watch that reloads ``gallery`` when people are enrolled or removed, by this process or any other.

    Make it before loading the gallery, so an enrolment in between is not missed; a Heartbeat checks it.
    """
    return RevisionWatch(store.revisions, PEOPLE, lambda: reload_gallery(store, recognizer, gallery))
