"""Finding the images and videos of a batch: folders walked recursively, other files skipped with a reason."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from emolens.data.facesets import IMAGE_SUFFIXES
from emolens.errors import SourceError
from emolens.vision.io import VIDEO_SUFFIXES

__all__ = ["MediaFile", "find_media"]


@dataclass(frozen=True)
class MediaFile:
    """One input file: its absolute path, its kind ("image", "video" or "skipped") and why it was skipped."""

    path: str
    kind: str
    reason: str | None = None


def _classify(path: Path) -> MediaFile:
    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return MediaFile(str(path), "image")
    if suffix in VIDEO_SUFFIXES:
        return MediaFile(str(path), "video")
    kinds = ", ".join(sorted(IMAGE_SUFFIXES | VIDEO_SUFFIXES))
    return MediaFile(
        str(path), "skipped", f"not an image or video by its name ({suffix or 'no suffix'}; takes {kinds})"
    )


def _walk(folder: Path) -> Iterable[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        yield from (Path(root) / name for name in files if not name.startswith("."))


def find_media(inputs: Iterable[str | os.PathLike[str]]) -> list[MediaFile]:
    """Every file named or under a named folder (hidden ones left out), sorted by path, each classified.

    SourceError when an input does not exist.
    """
    found: dict[str, MediaFile] = {}
    for given in inputs:
        path = Path(given).resolve()
        if path.is_dir():
            paths: Iterable[Path] = _walk(path)
        elif path.is_file():
            paths = [path]
        else:
            raise SourceError(f"{given} does not exist; give image or video files or folders holding them")
        for file in paths:
            found.setdefault(str(file), _classify(file))
    return [found[key] for key in sorted(found)]
