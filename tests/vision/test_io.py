"""Reading images: every kind of input, and a clear error for each kind of bad one."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from emolens.errors import InvalidImageError, SourceError
from emolens.vision.io import VideoSource, list_images, read_image, to_bgr


def _png_claiming_size(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height (the pixel data is a stub): a decompression bomb's shape."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def test_reads_path_bytes_and_array(tmp_path: Path, astronaut_bgr: np.ndarray) -> None:
    path = tmp_path / "a.png"
    cv2.imwrite(str(path), astronaut_bgr)
    assert np.array_equal(read_image(path), astronaut_bgr)
    assert np.array_equal(read_image(path.read_bytes()), astronaut_bgr)
    assert np.array_equal(read_image(astronaut_bgr), astronaut_bgr)


@pytest.mark.parametrize(
    ("make", "shape"),
    [
        (lambda a: cv2.cvtColor(a, cv2.COLOR_BGR2GRAY), "gray"),
        (lambda a: cv2.cvtColor(a, cv2.COLOR_BGR2GRAY)[:, :, None], "gray1"),
        (lambda a: cv2.cvtColor(a, cv2.COLOR_BGR2BGRA), "bgra"),
        (lambda a: a.astype(np.uint16) * 257, "uint16"),
    ],
)
def test_to_bgr_converts_common_layouts(astronaut_bgr: np.ndarray, make, shape: str) -> None:
    out = to_bgr(make(astronaut_bgr))
    assert out.shape == (512, 512, 3) and out.dtype == np.uint8


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.zeros((10, 10), np.float32), "uint8"),
        (np.zeros((10, 10, 2), np.uint8), "shape"),
        (np.zeros((0, 10, 3), np.uint8), "empty"),
    ],
)
def test_to_bgr_refuses_bad_arrays(array: np.ndarray, message: str) -> None:
    with pytest.raises(InvalidImageError, match=message):
        to_bgr(array)


def test_bad_files_give_clear_errors(tmp_path: Path, astronaut_bgr: np.ndarray) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    text = tmp_path / "notes.jpg"
    text.write_text("not an image at all")
    _ok, jpeg = cv2.imencode(".jpg", astronaut_bgr)
    truncated = tmp_path / "cut.jpg"
    truncated.write_bytes(jpeg.tobytes()[:300])
    half = tmp_path / "half.jpg"
    half.write_bytes(jpeg.tobytes()[: len(jpeg) // 2])
    huge = tmp_path / "huge.png"
    huge.write_bytes(_png_claiming_size(20000, 20000))
    big = tmp_path / "big.png"
    big.write_bytes(_png_claiming_size(9000, 7000))
    cases = {
        empty: "empty",
        text: "not an image",
        truncated: "truncated or corrupt",
        half: "truncated",
        huge: "too large",
        big: "9000x7000",
        tmp_path / "missing.jpg": "does not exist",
    }
    for path, message in cases.items():
        with pytest.raises(InvalidImageError, match=message):
            read_image(path)


def test_list_images_needs_images(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(InvalidImageError, match="holds no images"):
        list_images(tmp_path)


def test_video_source_reads_frames_and_reports_bad_sources(tmp_path: Path, moving_face_video: Path) -> None:
    frames = list(VideoSource(moving_face_video))
    assert len(frames) == 20 and frames[3].index == 3
    assert frames[5].timestamp_s == pytest.approx(0.5)
    assert [f.index for f in VideoSource(moving_face_video, every=5)] == [0, 5, 10, 15]
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    bogus = tmp_path / "bogus.mp4"
    bogus.write_text("no video here")
    for source, message in [
        (empty, "empty"),
        (bogus, "cannot open|no frames"),
        (tmp_path / "nope.mp4", "does not exist"),
    ]:
        with pytest.raises(SourceError, match=message):
            list(VideoSource(source))


def test_truncated_video_yields_the_frames_it_has(tmp_path: Path, moving_face_video: Path) -> None:
    data = moving_face_video.read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) // 2])
    frames = list(VideoSource(cut))
    assert 0 < len(frames) < 20


def test_video_over_http_and_an_unreachable_stream(tmp_path: Path, moving_face_video: Path) -> None:
    import functools
    import http.server
    import threading

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(moving_face_video.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{moving_face_video.name}"
        assert len(list(VideoSource(url))) == 20
        with pytest.raises(SourceError, match="cannot open"):
            VideoSource(url.replace(moving_face_video.name, "gone.avi"))
    finally:
        server.shutdown()
