"""Hostile and careless inputs against sessions and retention, on SQLite and PostgreSQL servers.

Every case asserts the exact answer, that the server still answers, that a real session recorded before
(with observations) is still there, whole, and that no empty session was left behind to crowd it out of
the default retention ("keep the latest 5").
"""

from __future__ import annotations

import json
import os
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from postgres_db import postgres_database


def _jpeg(image: np.ndarray) -> bytes:
    return cv2.imencode(".jpg", image)[1].tobytes()


GRAY = _jpeg(np.full((240, 320, 3), 128, np.uint8))  # a valid image without a face
STOP = json.dumps({"type": "stop"})


@dataclass
class Server:
    url: str
    client: httpx.Client
    real_id: str = ""
    real_count: int = 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(folder: Path, db_url: str) -> Iterator[str]:
    """`emolens serve --db db_url` until the generator closes."""
    port = _free_port()
    env = {**os.environ, "EMOLENS_DATA_DIR": str(folder / "data")}
    env.pop("EMOLENS_API_TOKEN", None)
    args = [sys.executable, "-m", "emolens", "serve", "--port", str(port), "--workers", "1", "--db", db_url]
    with (folder / "server.log").open("w") as log:
        process = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"{url}/api/settings", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        assert process.poll() is None, (folder / "server.log").read_text()
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def _sqlite_database(folder: Path) -> Iterator[str]:
    yield f"sqlite:///{folder / 'web.db'}"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server per backend holding one real session (the astronaut, one observation) recorded first."""
    folder = tmp_path_factory.mktemp(f"hostile-sessions-{request.param}")
    databases = postgres_database() if request.param == "postgresql" else _sqlite_database(folder)
    db_url = next(databases)
    urls = _serve(folder, db_url)
    url = next(urls)
    token = httpx.get(f"{url}/api/csrf").json()["csrf_token"]
    headers, cookies = {"X-CSRF-Token": token}, {"emolens_csrf": token}
    with httpx.Client(base_url=url, timeout=60, headers=headers, cookies=cookies) as client:
        srv = Server(url, client)
        photo = cv2.cvtColor(__import__("skimage.data").data.astronaut(), cv2.COLOR_RGB2BGR)
        made = client.post("/api/uploads", files={"files": ("real.jpg", _jpeg(photo), "image/jpeg")})
        assert made.status_code == 201, made.text
        srv.real_id, srv.real_count = made.json()["session"]["id"], made.json()["session"]["observation_count"]
        assert srv.real_count == 1
        yield srv
    urls.close()
    databases.close()


def _assert_intact(srv: Server) -> None:
    """The server answers, the real session is whole, and no empty session stays behind (ended or not)."""
    assert srv.client.get("/api/settings").status_code == 200
    deadline = time.monotonic() + 10
    while True:
        sessions = srv.client.get("/api/sessions").json()
        empty = [s for s in sessions if s["observation_count"] == 0]
        if not empty or time.monotonic() > deadline:
            break
        time.sleep(0.1)  # a live session is removed once the server has seen the socket close
    assert empty == [], f"empty sessions left behind: {empty}"
    assert {s["id"]: s["observation_count"] for s in sessions}.get(srv.real_id) == srv.real_count


# WebSocket ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Live:
    """A first message (text or bytes), frames to send once started, then stop (or just hang up)."""

    first: str | bytes
    frames: tuple[bytes, ...] = ()
    stop: bool = False


REFUSED = "refused"  # an error message, then close code 1003, and no session
LIVE_CASES = {
    "start-no-scenario": (Live(json.dumps({"type": "start"})), REFUSED),
    "start-empty-scenario": (Live(json.dumps({"type": "start", "scenario": ""})), REFUSED),
    "start-blank-scenario": (Live(json.dumps({"type": "start", "scenario": "   "})), REFUSED),
    "no-type": (Live(json.dumps({"scenario": "x"})), REFUSED),
    "wrong-type": (Live(json.dumps({"type": "begin", "scenario": "x"})), REFUSED),
    "upper-case-type": (Live(json.dumps({"type": "START", "scenario": "x"})), REFUSED),
    "json-list": (Live(json.dumps(["start", "x"])), REFUSED),
    "json-string": (Live(json.dumps("start")), REFUSED),
    "json-null": (Live("null"), REFUSED),
    "not-json": (Live("start please"), REFUSED),
    "stop-first": (Live(STOP), REFUSED),
    "start-then-hang-up": (Live(json.dumps({"type": "start", "scenario": "x"})), "started"),
    "start-then-stop": (Live(json.dumps({"type": "start", "scenario": "x"}), stop=True), "summary"),
    "long-scenario": (Live(json.dumps({"type": "start", "scenario": "x" * 500}), stop=True), REFUSED),
    "faceless-frames-then-stop": (
        Live(json.dumps({"type": "start", "scenario": "x"}), (struct.pack(">I", 1) + GRAY,) * 3, stop=True),
        "summary",
    ),
    "broken-frames-then-hang-up": (
        Live(json.dumps({"type": "start", "scenario": "x"}), (b"\x00\x00\x00\x01not a jpeg", b"\x00")),
        "started",
    ),
}


def _closed_with(ws: ClientConnection) -> int | None:
    try:
        ws.recv(timeout=10)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    return None


def _live(srv: Server, case: Live) -> tuple[str, dict[str, Any] | None, int | None]:
    """The first reply's type, the last reply, and the close code when the server closed."""
    with connect(srv.url.replace("http", "ws") + "/ws/live") as ws:
        ws.send(case.first)
        first = json.loads(ws.recv(timeout=30))
        if first["type"] != "started":
            return first["type"], first, _closed_with(ws)
        last = first
        for frame in case.frames:
            ws.send(frame)
            last = json.loads(ws.recv(timeout=30))
            assert last["type"] in ("result", "error")
            assert not last.get("faces")
        if case.stop:
            ws.send(STOP)
            last = json.loads(ws.recv(timeout=30))
        return first["type"], last, None


@pytest.mark.parametrize("name", list(LIVE_CASES))
def test_live_start_messages_never_cost_history(server: Server, name: str) -> None:
    case, expected = LIVE_CASES[name]
    first, last, code = _live(server, case)
    if expected == REFUSED:
        assert (first, code) == ("error", 1003) and last is not None
        assert "first message" in last["detail"]
    else:
        assert first == "started"
    if expected == "summary":
        assert last is not None and last["type"] == "summary" and last["summary"]["session"]["observation_count"] == 0
    _assert_intact(server)


def test_five_empty_live_sessions_in_a_row_delete_nothing(server: Server) -> None:
    for _ in range(6):
        assert _live(server, Live(json.dumps({"type": "start", "scenario": "x"})))[0] == "started"
    _assert_intact(server)


# uploads -----------------------------------------------------------------------------------------------


def _faceless_video(folder: Path) -> bytes:
    path = folder / "gray.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (160, 120))
    for _ in range(5):
        writer.write(np.full((120, 160, 3), 100, np.uint8))
    writer.release()
    return path.read_bytes()


UPLOAD_CASES: dict[str, tuple[list[tuple[str, bytes, str]], int, str]] = {
    "text-named-png": ([("notes.png", b"hello, not an image", "image/png")], 422, "every file failed"),
    "empty-jpg": ([("empty.jpg", b"", "image/jpeg")], 422, "every file failed"),
    "jpeg-header-only": ([("cut.jpg", b"\xff\xd8\xff\xe0", "image/jpeg")], 422, "every file failed"),
    "png-header-only": ([("cut.png", b"\x89PNG\r\n\x1a\n", "image/png")], 422, "every file failed"),
    "truncated-jpeg": ([("half.jpg", GRAY[: len(GRAY) // 3], "image/jpeg")], 422, "nothing was stored"),
    "five-non-images": ([(f"n{i}.webp", b"nope" * i, "image/webp") for i in range(5)], 422, "every file failed"),
    "faceless-image": ([("gray.jpg", GRAY, "image/jpeg")], 422, "no face was found"),
    "faceless-and-broken": (
        [("gray.jpg", GRAY, "image/jpeg"), ("x.png", b"x", "image/png")],
        422,
        "no face was found",
    ),
    "text-file": ([("notes.txt", b"hello", "text/plain")], 415, "unsupported type"),
    "garbage-video": ([("clip.mp4", b"\x00" * 2048, "video/mp4")], 422, ""),
    "faceless-video": ([("gray.avi", b"", "video/x-msvideo")], 422, "no face was found"),
}


@pytest.mark.parametrize("name", list(UPLOAD_CASES))
def test_failed_uploads_store_nothing(server: Server, name: str, tmp_path: Path) -> None:
    files, status, words = UPLOAD_CASES[name]
    if name == "faceless-video":
        files = [("gray.avi", _faceless_video(tmp_path), "video/x-msvideo")]
    before = server.client.get("/api/sessions").json()
    answer = server.client.post("/api/uploads", files=[("files", f) for f in files], data={"scenario": "Hostile"})
    assert answer.status_code == status, answer.text
    assert words in answer.json()["detail"]
    assert server.client.get("/api/sessions").json() == before
    _assert_intact(server)


def test_five_failed_uploads_in_a_row_delete_nothing(server: Server) -> None:
    for i in range(6):
        answer = server.client.post("/api/uploads", files={"files": (f"x{i}.png", b"not a png", "image/png")})
        assert answer.status_code == 422 and f"x{i}.png" in answer.json()["detail"]
    _assert_intact(server)


def test_a_face_beside_a_broken_file_is_stored_alone(server: Server) -> None:
    photo = cv2.cvtColor(__import__("skimage.data").data.astronaut(), cv2.COLOR_RGB2BGR)
    files = [("files", ("face.jpg", _jpeg(photo), "image/jpeg")), ("files", ("bad.png", b"bad", "image/png"))]
    answer = server.client.post("/api/uploads", files=files)
    assert answer.status_code == 201 and answer.json()["session"]["observation_count"] == 1
    assert [bool(r.get("error")) for r in answer.json()["results"]] == [False, True]
    assert server.client.delete(f"/api/sessions/{answer.json()['session']['id']}").status_code == 204
    _assert_intact(server)


# settings: retention -----------------------------------------------------------------------------------

RETENTION_CASES: dict[str, tuple[dict[str, Any], dict[str, str], int]] = {
    "zero": ({"retention": 0}, {}, 422),
    "zero-confirmed": ({"retention": 0}, {"confirm": "true"}, 422),
    "negative": ({"retention": -3}, {}, 422),
    "fraction": ({"retention": 1.5}, {}, 422),
    "word": ({"retention": "all"}, {}, 422),
    "huge": ({"retention": 10**12}, {}, 422),
    "list": ({"retention": [1]}, {}, 422),
    "bad-confirm": ({"retention": 1}, {"confirm": "maybe"}, 422),
    "keep-one-deletes-nothing": ({"retention": 1}, {}, 200),  # only the real session has observations
    "keep-all": ({"retention": None}, {}, 200),
    "numeric-text": ({"retention": "3"}, {}, 200),
}


@pytest.mark.parametrize("name", list(RETENTION_CASES))
def test_retention_values(server: Server, name: str) -> None:
    body, params, status = RETENTION_CASES[name]
    answer = server.client.put("/api/settings", json=body, params=params)
    assert answer.status_code == status, answer.text
    _assert_intact(server)
    assert server.client.put("/api/settings", json={"retention": 5}).status_code == 200


def test_lowering_retention_below_real_sessions_asks_first(server: Server) -> None:
    photo = cv2.cvtColor(__import__("skimage.data").data.astronaut(), cv2.COLOR_RGB2BGR)
    newer = server.client.post("/api/uploads", files={"files": ("n.jpg", _jpeg(photo), "image/jpeg")}).json()
    for params in ({}, {"confirm": "false"}, {"confirm": "0"}):
        answer = server.client.put("/api/settings", json={"retention": 1}, params=params)
        assert answer.status_code == 409 and (answer.json()["sessions"], answer.json()["observations"]) == (1, 1)
        assert "confirm=true" in answer.json()["detail"]
    assert server.client.get("/api/settings").json()["retention"] == 5  # nothing saved
    assert server.client.delete(f"/api/sessions/{newer['session']['id']}").status_code == 204
    _assert_intact(server)
