"""The kiosk (server-side camera) of a real `emolens serve --camera FILE`: one session, same-site only, paced."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest
from skimage.data import astronaut
from tests.conftest import write_video

from live_server import Server, start_server

CROSS_SITE = [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Origin": "http://evil.example"},
    {"Origin": "null"},
    {"Referer": "http://evil.example/page.html"},
]


def face_video(path: Path, frames: int = 40, fps: float = 10.0) -> Path:
    """A 320x240 video of the astronaut's face, ``frames`` long at ``fps``."""
    face = cv2.resize(cv2.cvtColor(astronaut(), cv2.COLOR_RGB2BGR), (200, 200))
    canvas = np.full((240, 320, 3), 90, np.uint8)
    canvas[20:220, 60:260] = face
    return write_video(path, [canvas] * frames, fps)


def kiosk_sessions(server: Server) -> list[tuple[str, str | None]]:
    """(id, ended_at) of every kiosk session in the server's SQLite file."""
    with sqlite3.connect(server.db_path) as db:
        return db.execute("SELECT id, ended_at FROM sessions WHERE scenario = 'Kiosk'").fetchall()


def first_request(server: Server) -> httpx.Response:
    """GET /emotion as the app's own page sends it."""
    own_page = {"Sec-Fetch-Site": "same-origin", "Referer": server.url + "/"}
    return httpx.get(server.url + "/emotion", headers=own_page, timeout=60)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("kiosk")
    yield from start_server(folder, "--camera", str(face_video(folder / "face.avi")))


@pytest.mark.parametrize("headers", CROSS_SITE, ids=lambda h: ":".join(*h.items()))
def test_a_cross_site_request_starts_neither_the_camera_nor_a_session(server: Server, headers: dict[str, str]) -> None:
    for path in ("/emotion", "/video_feed"):
        refused = httpx.get(server.url + path, headers=headers)
        assert refused.status_code == 403, path
        assert "this app's own pages" in refused.json()["detail"] and "API token" in refused.json()["detail"]
    time.sleep(0.5)
    assert kiosk_sessions(server) == [] and httpx.get(server.url + "/api/sessions").json() == []


def test_a_video_file_plays_at_its_frame_rate(server: Server) -> None:
    assert httpx.get(server.url + "/emotion").status_code == 200
    time.sleep(5)
    [(session_id, _)] = kiosk_sessions(server)
    rows = httpx.get(server.url + "/api/observations", params={"session_id": session_id}).json()
    stamps = [(datetime.fromisoformat(r["timestamp"]), r["frames"]) for r in rows]
    assert sum(frames for _, frames in stamps) > 20
    last = stamps[-1][0]
    window = [n for s, n in stamps if 0 < (last - s).total_seconds() <= 3.0]  # 3 s of samples, past any warm-up
    per_second = sum(window) / 3.0
    assert 6.0 <= per_second <= 12.0, f"{per_second:.1f} observations/s from a 10 FPS file with one face"


def test_saved_faces_go_with_all_data(server: Server) -> None:
    with server.client() as client:
        saved = client.post("/save_current")
        assert saved.status_code == 200 and saved.json()["saved"]
        [(session_id, _)] = kiosk_sessions(server)
        folder = server.data_dir / "saved_faces" / session_id
        assert sorted(str(p) for p in folder.rglob("*.jpg")) == sorted(saved.json()["saved"])
        assert client.delete("/api/data").json() == {"deleted_sessions": 1}
    assert not (server.data_dir / "saved_faces").exists() and kiosk_sessions(server) == []
    assert httpx.get(server.url + "/emotion").status_code == 200  # the camera still answers
    time.sleep(1.5)  # the kiosk learns at its next store that its session is gone
    with server.client() as client:
        refused = client.post("/save_current")
    assert refused.status_code == 409 and "deleted" in refused.json()["detail"]
    assert not (server.data_dir / "saved_faces").exists()


def test_ten_concurrent_first_requests_start_one_kiosk_that_sigterm_ends(tmp_path: Path) -> None:
    servers = start_server(tmp_path / "serve", "--camera", str(face_video(tmp_path / "face.avi")))
    server = next(servers)
    try:
        with ThreadPoolExecutor(10) as pool:
            answers = list(pool.map(lambda _: first_request(server), range(10)))
        assert [a.status_code for a in answers] == [200] * 10
        [(session_id, ended)] = kiosk_sessions(server)
        assert ended is None  # recording
        with httpx.Client(base_url=server.url, timeout=30) as client, client.stream("GET", "/video_feed") as stream:
            assert next(stream.iter_bytes()).startswith(b"--frame")
            servers.close()  # SIGTERM with a stream open, then wait for the process to exit
    finally:
        servers.close()
    [(still, ended)] = kiosk_sessions(server)
    assert still == session_id and ended is not None


def test_a_camera_that_fails_says_why(tmp_path: Path) -> None:
    broken = tmp_path / "broken.avi"
    broken.write_bytes(b"not a video at all" * 100)
    servers = start_server(tmp_path / "serve", "--camera", str(broken))
    server = next(servers)
    try:
        for _ in range(100):
            answer = first_request(server)
            if answer.status_code == 503:
                break
            time.sleep(0.1)
        assert answer.status_code == 503 and "the server-side camera failed: cannot open" in answer.json()["detail"]
        assert httpx.get(server.url + "/api/settings").status_code == 200
    finally:
        servers.close()
    assert "the kiosk camera" in (tmp_path / "serve" / "server.log").read_text()
