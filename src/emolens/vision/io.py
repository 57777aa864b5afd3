"""Reading images and frame sources (files, bytes, arrays, folders, videos, cameras, streams)."""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from emolens.data.facesets import IMAGE_SUFFIXES
from emolens.errors import ConfigError, InvalidImageError, SourceError

__all__ = [
    "MAX_ASPECT",
    "MAX_PIXELS",
    "MAX_SIDE_PX",
    "VIDEO_SUFFIXES",
    "Frame",
    "ImageInput",
    "VideoSource",
    "check_size",
    "list_images",
    "read_image",
    "to_bgr",
]

log = logging.getLogger(__name__)

ImageInput = str | os.PathLike[str] | bytes | np.ndarray
MAX_PIXELS = 50_000_000  # refuse larger images before decoding them (a 50 MP image is ~150 MB decoded)
# OpenCV's remap (inside MediaPipe) aborts the process on a side of 32767 px or more; stay well below it.
MAX_SIDE_PX = 16_384
# A face needs both sides; a 100000x1 strip is an attack or a mistake, not a photo (panoramas are ~4:1).
MAX_ASPECT = 20.0
# Video containers OpenCV's FFmpeg backend reads (a file's codec may still be one it cannot decode).
VIDEO_SUFFIXES = frozenset({".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".y4m"})


def check_size(width: int, height: int, name: str = "the image", max_pixels: int = MAX_PIXELS) -> None:
    """InvalidImageError unless both sides are in 1..MAX_SIDE_PX, the aspect is at most MAX_ASPECT and the
    pixel count at most ``max_pixels``: checked before any decoder or detector sees the pixels."""
    if width < 1 or height < 1:
        raise InvalidImageError(f"{name} is empty ({width}x{height} px)")
    if max(width, height) > MAX_SIDE_PX:
        raise InvalidImageError(
            f"{name} is {width}x{height} px; sides above {MAX_SIDE_PX} px are refused: downscale it first"
        )
    if max(width, height) / min(width, height) > MAX_ASPECT:
        raise InvalidImageError(
            f"{name} is {width}x{height} px, an aspect ratio above {MAX_ASPECT:g}:1; crop it to the part with faces"
        )
    if width * height > max_pixels:
        raise InvalidImageError(
            f"{name} is {width}x{height} ({width * height / 1e6:.0f} MP), "
            f"above the limit of {max_pixels / 1e6:.0f} MP; "
            "downscale it first (a face needs only ~100 px)"
        )


def to_bgr(array: np.ndarray, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Convert a grey, grey+alpha, BGR or BGRA array (uint8 or uint16) to contiguous H x W x 3 uint8 BGR.

    The sides, aspect and pixel count are checked first (:func:`check_size`).
    """
    if not isinstance(array, np.ndarray):
        raise InvalidImageError(f"expected a numpy array, got {type(array).__name__}")
    if array.ndim not in (2, 3):
        raise InvalidImageError(f"expected an H x W, H x W x 3 or H x W x 4 image, got shape {array.shape}")
    check_size(array.shape[1], array.shape[0], f"the image array of shape {array.shape}", max_pixels)
    if array.dtype == np.uint16:
        array = (array >> 8).astype(np.uint8)
    elif array.dtype != np.uint8:
        raise InvalidImageError(
            f"expected a uint8 image array, got dtype {array.dtype}; convert with (a * 255).astype(np.uint8)"
        )
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim == 2:
        out = cv2.cvtColor(array, cv2.COLOR_GRAY2BGR)
    elif array.ndim == 3 and array.shape[2] == 3:
        out = array
    elif array.ndim == 3 and array.shape[2] == 4:
        out = cv2.cvtColor(array, cv2.COLOR_BGRA2BGR)
    else:
        raise InvalidImageError(f"expected an H x W, H x W x 3 or H x W x 4 image, got shape {array.shape}")
    return np.ascontiguousarray(out)


def _check_header(data: bytes, name: str, max_pixels: int) -> None:
    if not data:
        raise InvalidImageError(f"{name} is empty (0 bytes); give a JPEG, PNG, BMP, WebP or TIFF image")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
    except Image.DecompressionBombError as exc:
        raise InvalidImageError(
            f"{name} is too large ({exc}); the limit is {max_pixels / 1e6:.0f} MP: downscale it first"
        ) from exc
    except UnidentifiedImageError as exc:
        raise InvalidImageError(
            f"{name} is not an image emolens can read; give a JPEG, PNG, BMP, WebP or TIFF"
        ) from exc
    except OSError as exc:
        raise InvalidImageError(f"{name} is truncated or corrupt ({exc}); re-export or re-download it") from exc
    if data[:2] == b"\xff\xd8" and b"\xff\xd9" not in data[-4096:]:
        raise InvalidImageError(f"{name} is a truncated or corrupt JPEG (no end marker); re-export or re-download it")
    check_size(width, height, name, max_pixels)


def _decode(data: bytes, name: str, max_pixels: int) -> np.ndarray:
    _check_header(data, name, max_pixels)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise InvalidImageError(f"{name} could not be decoded: the file is truncated or corrupt")
    return to_bgr(image, max_pixels)


def read_image(source: ImageInput, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Read an image path, encoded bytes or array as H x W x 3 uint8 BGR (arrays are taken as BGR)."""
    if isinstance(source, np.ndarray):
        return to_bgr(source, max_pixels)
    if isinstance(source, bytes | bytearray | memoryview):
        return _decode(bytes(source), "the image bytes", max_pixels)
    path = Path(source)
    if not path.is_file():
        raise InvalidImageError(f"{path} does not exist or is not a file")
    return _decode(path.read_bytes(), str(path), max_pixels)


def list_images(folder: str | os.PathLike[str]) -> list[Path]:
    """All image files under ``folder`` (recursively), sorted; raises if there are none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidImageError(f"{folder} is not a folder")
    paths = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if not paths:
        raise InvalidImageError(f"{folder} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
    return paths


@dataclass(frozen=True)
class Frame:
    """One frame of a source: its index, its time in seconds from the start, and the BGR pixels."""

    index: int
    timestamp_s: float
    image: np.ndarray


class VideoSource:
    """Frames from a video file, a camera index or an RTSP/HTTP URL, read with OpenCV.

    ``every`` keeps one frame in N (the others are grabbed but not decoded); ``name`` is what messages
    call the source (default: the source itself; a server passes the uploaded file's name, not its temp path).
    ``start`` and ``stop`` read only the frames in [start, stop) of a file (a seek, then frame indices as in
    a read from the start); a range past a truncated file's end gives no frames rather than an error.
    """

    def __init__(
        self,
        source: str | int | os.PathLike[str],
        every: int = 1,
        name: str | None = None,
        start: int = 0,
        stop: int | None = None,
    ):
        if every < 1:
            raise ConfigError(f"every must be >= 1, got {every}")
        if start < 0 or (stop is not None and stop < start):
            raise ConfigError(f"a frame range needs 0 <= start <= stop, got [{start}, {stop})")
        self.every = every
        self.start, self.stop = start, stop
        self.name = name or str(source)
        self._is_file = False
        if isinstance(source, int) or (isinstance(source, str) and source.isdigit()):
            self._capture = cv2.VideoCapture(int(source))
            hint = "check that a camera is connected and no other program holds it"
        elif isinstance(source, str) and "://" in source:
            self._capture = cv2.VideoCapture(source)
            hint = "check the URL and that the stream is reachable"
        else:
            path = Path(source)
            if not path.is_file():
                raise SourceError(f"video file {self.name} does not exist")
            if path.stat().st_size == 0:
                raise SourceError(f"video file {self.name} is empty (0 bytes)")
            self._capture = cv2.VideoCapture(str(path))
            self._is_file = True
            hint = "it is not a video OpenCV can decode (try MP4/H.264, AVI/MJPEG or WebM)"
        if not self._capture.isOpened():
            raise SourceError(f"cannot open {self.name}: {hint}")
        self._check_frame_size()
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        self.fps = fps if fps and fps > 0 and fps < 1000 else 30.0
        count = int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT))
        self.frame_count = count if self._is_file and count > 0 else None
        if start and not (self._is_file and self._capture.set(cv2.CAP_PROP_POS_FRAMES, start)):
            self._capture.release()
            raise SourceError(f"cannot seek to frame {start} of {self.name}: only video files can start mid-way")

    def _check_frame_size(self) -> None:
        """Refuse a video whose declared frame size no detector can take (before reading a frame)."""
        width = int(self._capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(self._capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        if width > 0 and height > 0:
            try:
                check_size(width, height, f"the frames of {self.name}")
            except InvalidImageError as exc:
                self._capture.release()
                raise SourceError(str(exc)) from exc

    def __iter__(self) -> Iterator[Frame]:
        index = self.start
        try:
            while self.stop is None or index < self.stop:
                if index % self.every:
                    if not self._capture.grab():
                        break
                else:
                    ok, image = self._capture.read()
                    if not ok or image is None:
                        break
                    yield Frame(index, index / self.fps, image)
                index += 1
        finally:
            self.close()
        if self.frame_count and index < min(self.frame_count, self.stop or self.frame_count) - 1:
            log.warning("%s ended at frame %d of the %d it declares (truncated?)", self.name, index, self.frame_count)
        if index == 0:
            raise SourceError(f"{self.name} gave no frames: the video is empty or corrupt")

    def close(self) -> None:
        self._capture.release()

    def __enter__(self) -> VideoSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
