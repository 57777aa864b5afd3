"""A batch's units of work: one per image, and frame ranges of each video, with ids stable across reruns."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from emolens.batch.inputs import MediaFile
from emolens.errors import ConfigError, EmolensError
from emolens.vision.io import VideoSource
from emolens.vision.recognize import Gallery

__all__ = ["BatchOptions", "Unit", "plan_units"]


@dataclass(frozen=True)
class BatchOptions:
    """How a batch analyses its files.

    ``sample_fps`` frames per second of each video are analysed (one frame in round(fps / sample_fps)): more
    follow quick expressions, fewer finish sooner. ``unit_frames`` sampled frames make one unit: smaller units
    spread one long video over more workers and lose less to a kill, larger ones cost fewer part files.
    The rest are the Analyzer's knobs (see :class:`emolens.vision.pipeline.Analyzer`).
    """

    model: str | None = None
    detector: str = "mediapipe"
    min_face_score: float = 0.5
    smoothing: float = 0.6
    refresh_every: int = 30
    sample_fps: float = 4.0
    unit_frames: int = 240

    def __post_init__(self) -> None:
        if self.sample_fps <= 0:
            raise ConfigError(f"sample_fps must be > 0 frames per second, got {self.sample_fps}")
        if self.unit_frames < 1:
            raise ConfigError(f"unit_frames must be >= 1 sampled frame, got {self.unit_frames}")

    def fingerprint(self, gallery: Gallery | None) -> str:
        """A digest of everything that changes a unit's result: these options and the enrolled people."""
        digest = hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode())
        for name, vector in gallery.entries() if gallery is not None else []:
            digest.update(name.encode() + vector.tobytes())
        return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Unit:
    """One unit of work: an image, or the frames [start, stop) of a video (stop None: to its end).

    ``every`` is the video's sampling step, ``declared_frames`` the frame count its container declares.
    """

    unit_id: str
    path: str
    kind: str
    start: int = 0
    stop: int | None = None
    every: int = 1
    declared_frames: int | None = None

    @property
    def expected_frames(self) -> int:
        """How many frames this unit should analyse (for progress; a truncated video gives fewer)."""
        if self.kind == "image":
            return 1
        end = self.stop if self.stop is not None else self.declared_frames or self.start + self.every
        return max(1, -(-(end - self.start) // self.every))


def _unit_id(fingerprint: str, path: str, kind: str, start: int, stop: int | None, every: int) -> str:
    stat = Path(path).stat()
    key = f"{fingerprint}|{path}|{stat.st_size}|{stat.st_mtime_ns}|{kind}|{start}|{stop}|{every}"
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def _video_units(file: MediaFile, options: BatchOptions, fingerprint: str) -> list[Unit]:
    with VideoSource(file.path) as probe:
        fps, declared = probe.fps, probe.frame_count
    every = max(1, round(fps / options.sample_fps))
    span = options.unit_frames * every
    starts = list(range(0, declared, span)) if declared else [0]
    units = []
    for i, start in enumerate(starts):
        stop = starts[i + 1] if i + 1 < len(starts) else None  # the last range reads to the real end
        unit_id = _unit_id(fingerprint, file.path, "video", start, stop, every)
        units.append(Unit(unit_id, file.path, "video", start, stop, every, declared))
    return units


def plan_units(files: list[MediaFile], options: BatchOptions, fingerprint: str) -> tuple[list[Unit], dict[str, str]]:
    """(the units of every image and video, in file order; {path: error} of videos that cannot be opened)."""
    units: list[Unit] = []
    failed: dict[str, str] = {}
    for file in files:
        if file.kind == "image":
            units.append(Unit(_unit_id(fingerprint, file.path, "image", 0, None, 1), file.path, "image"))
        elif file.kind == "video":
            try:
                units += _video_units(file, options, fingerprint)
            except EmolensError as exc:
                failed[file.path] = str(exc)
    return units, failed
