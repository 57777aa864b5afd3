"""Face crops on disk, filed by session, so that deleting a session, a person or everything removes them.

Layout: ``<root>/<session id>/<emotion>/<emotion>_<confidence %>_<time>[_t<track>][_p<person tag>].jpg``,
where ``root`` is ``<data folder>/face_crops`` (crops of live sessions) or ``<data folder>/saved_faces``
(the kiosk's "save the current faces").
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import unicodedata
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from emolens.errors import InvalidNameError
from emolens.types import Prediction

__all__ = [
    "CROPS_FOLDER",
    "SAVED_FOLDER",
    "crop_name",
    "person_tag",
    "remove_all_crops",
    "remove_person_crops",
    "remove_session_crops",
    "session_folder",
]

log = logging.getLogger(__name__)
CROPS_FOLDER = "face_crops"
SAVED_FOLDER = "saved_faces"
_ROOTS = (CROPS_FOLDER, SAVED_FOLDER)


def person_tag(name: str) -> str:
    """A file-name-safe tag for a person: an ASCII slug of the name and 8 hex digits of its SHA-256.

    The digest keeps two names with one slug ("José", "Jose") apart, so removing one spares the other.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:32] or "person"
    return f"{slug}-{hashlib.sha256(name.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


def crop_name(prediction: Prediction, when: datetime) -> str:
    """``<emotion>_<confidence %>_<YYYYmmdd_HHMMSS_micro>[_t<track>][_p<person tag>].jpg``.

    For example ``happy_97.3_20240223_143012_123456_t1.jpg``; the person tag only for a recognised face.
    """
    track = f"_t{prediction.track_id}" if prediction.track_id is not None else ""
    person = f"_p{person_tag(prediction.person)}" if prediction.person else ""
    stamp = when.strftime("%Y%m%d_%H%M%S_%f")
    return f"{prediction.label.value}_{prediction.confidence * 100:.1f}_{stamp}{track}{person}.jpg"


def _plain(name: str) -> bool:
    """True for a name that is one folder inside its parent: no separators, not '.' or '..'."""
    return bool(name) and name not in (".", "..") and Path(name).name == name and "\\" not in name


def session_folder(root: Path, session_id: str) -> Path:
    """The folder of one session's crops under ``root``; ValueError for an id that is not a plain name."""
    if not _plain(session_id):
        raise InvalidNameError(f"a session id must be a plain folder name, got {session_id!r}")
    return root / session_id


def _files(folder: Path, pattern: str = "*.jpg") -> list[Path]:
    return [p for p in folder.rglob(pattern) if p.is_file()] if folder.is_dir() else []


def _delete_tree(folder: Path) -> int:
    """Delete ``folder`` and everything in it (logging what could not go); returns how many files it held."""
    count = len(_files(folder, "*"))
    if folder.is_dir():
        shutil.rmtree(folder, onerror=lambda _f, path, exc: log.error("could not delete %s: %s", path, exc[1]))
    return count


def remove_session_crops(data_folder: Path, session_ids: Iterable[str]) -> int:
    """Delete the crops of these sessions (both roots; an id that is no plain name has none); returns the count."""
    plain = [i for i in session_ids if _plain(i)]
    removed = sum(_delete_tree(data_folder / root / i) for i in plain for root in _ROOTS)
    if removed:
        log.info("deleted %d face crop(s) of deleted sessions", removed)
    return removed


def remove_person_crops(data_folder: Path, name: str) -> int:
    """Delete every crop tagged with this person, in every session; returns how many files went."""
    files = [f for root in _ROOTS for f in _files(data_folder / root, f"*_p{person_tag(name)}.jpg")]
    for path in files:
        path.unlink(missing_ok=True)
    if files:
        log.info("deleted %d face crop(s) of a removed person", len(files))
    return len(files)


def remove_all_crops(data_folder: Path) -> int:
    """Delete every face crop (both roots, whatever their layout); returns how many files went."""
    removed = sum(_delete_tree(data_folder / root) for root in _ROOTS)
    if removed:
        log.info("deleted %d face crop file(s)", removed)
    return removed
