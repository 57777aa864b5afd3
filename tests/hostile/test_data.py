"""Hostile and careless inputs against people, deletion and the kiosk, on SQLite and PostgreSQL servers.

Every case asserts the exact status, that the server still answers, and that the data it did not target
(an enrolled person, a session with their observations, the face crops of that session) is intact.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest
from skimage.data import astronaut
from tests.conftest import write_video
from websockets.sync.client import connect

from live_server import Server, start_server
from postgres_db import postgres_database

FACE = cv2.cvtColor(astronaut(), cv2.COLOR_RGB2BGR)
FACE_JPEG = cv2.imencode(".jpg", FACE)[1].tobytes()

BAD_NAMES = [
    "a/b",
    "/",
    "//etc/passwd",
    "a\\b",
    "\\",
    ".",
    "..",
    "...",
    " .. ",
    "unknown",
    "NULL",
    "x" * 121,
    "x" * 201,
    "",
    "bell\x07name",
    "nul\x00name",
    "rtl\u202eoverride",
    "zero\u200bwidth",
    "bom\ufeffname",
]
BAD_IDS = [  # DELETE /api/people/{id}: (the raw path segment, the status)
    ("-1", 422),
    ("0", 422),
    (str(2**70), 422),
    (str(2**63), 422),
    (str(2**63 - 1), 422),
    (str(2**31), 422),
    (str(2**31 - 1), 404),
    ("999999", 404),
    ("abc", 422),
    ("1.5", 422),
    ("0x1", 422),
    ("..%2Fx", 404),  # decoded to /api/people/../x: no route
    ("Keeper", 422),  # the old by-name address
]
DELETIONS = [  # (method, path, CSRF proof sent, the status)
    ("DELETE", "/api/data", False, 403),
    ("DELETE", "/api/people/1", False, 403),
    ("DELETE", "/api/sessions/no-such-session", True, 404),
    ("DELETE", "/api/sessions/..%2F..%2Fface_crops", True, 404),
    ("DELETE", "/api/sessions/" + "x" * 5000, True, 422),
    ("DELETE", "/api/sessions", True, 405),
]


@dataclass
class Seeded:
    server: Server
    person: dict[str, object]
    session_id: str
    crops: list[Path]


def _seed(server: Server) -> Seeded:
    """Keeper enrolled, and a live session of three frames of them with face crops."""
    with server.client() as client:
        every_frame = {"save_face_crops": True, "crop_every_n_frames": 1, "samples_per_second": 0}  # exact counts
        assert client.put("/api/settings", json=every_frame).status_code == 200
        person = client.post("/api/people", data={"name": "Keeper"}, files=[("photos", ("k.jpg", FACE_JPEG))]).json()
    with connect(server.url.replace("http", "ws") + "/ws/live") as ws:
        ws.send(json.dumps({"type": "start", "scenario": "Exam"}))
        session_id = json.loads(ws.recv())["session"]["id"]
        for frame_id in range(3):
            ws.send(struct.pack(">I", frame_id) + FACE_JPEG)
            assert [f["person"] for f in json.loads(ws.recv())["faces"]] == ["Keeper"]
        ws.send(json.dumps({"type": "stop"}))
        assert json.loads(ws.recv())["type"] == "summary"
    crops = sorted((server.data_dir / "face_crops").rglob("*.jpg"))
    assert len(crops) == 3
    return Seeded(server, {**person, "observation_count": 3}, session_id, crops)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def db_args(request: pytest.FixtureRequest) -> Iterator[list[str]]:
    """No arguments (the server's own SQLite file), or ``--db`` with a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield []
    else:
        for url in postgres_database():
            yield ["--db", url]


@pytest.fixture(scope="module")
def seeded(db_args: list[str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    servers = start_server(tmp_path_factory.mktemp("hostile-data"), *db_args)
    yield _seed(next(servers))
    servers.close()


def assert_intact(seeded: Seeded) -> None:
    """The server answers, Keeper is enrolled with their embedding, their session and crops are whole."""
    url = seeded.server.url
    assert httpx.get(url + "/api/settings").status_code == 200
    assert httpx.get(url + "/api/people").json() == [seeded.person]
    session = httpx.get(f"{url}/api/sessions/{seeded.session_id}").json()
    assert session["observation_count"] == 3
    assert sorted((seeded.server.data_dir / "face_crops").rglob("*.jpg")) == seeded.crops


@pytest.mark.parametrize("name", BAD_NAMES, ids=ascii)
def test_bad_names_are_refused_and_nothing_is_enrolled(seeded: Seeded, name: str) -> None:
    with seeded.server.client() as client:
        refused = client.post("/api/people", data={"name": name}, files=[("photos", ("p.jpg", FACE_JPEG))])
    assert refused.status_code == 422, refused.text
    assert_intact(seeded)


@pytest.mark.parametrize(("segment", "status"), BAD_IDS, ids=[s[:24] for s, _ in BAD_IDS])
def test_bad_person_ids_are_refused(seeded: Seeded, segment: str, status: int) -> None:
    with seeded.server.client() as client:
        answer = client.delete(f"/api/people/{segment}")
    assert answer.status_code == status, answer.text
    assert_intact(seeded)


@pytest.mark.parametrize(
    ("method", "path", "csrf", "status"), DELETIONS, ids=[f"{p[:40]}-{c}" for _, p, c, _ in DELETIONS]
)
def test_deletions_that_must_not_happen(seeded: Seeded, method: str, path: str, csrf: bool, status: int) -> None:
    if csrf:
        with seeded.server.client() as client:
            answer = client.request(method, path)
    else:
        answer = httpx.request(method, seeded.server.url + path)
    assert answer.status_code == status, answer.text
    assert_intact(seeded)


# the kiosk: requests other sites' pages would send -----------------------------------------------------------

KIOSK_CROSS_SITE = [  # (method, path, headers)
    ("GET", "/emotion", {"Sec-Fetch-Site": "cross-site"}),
    ("GET", "/video_feed", {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Dest": "image"}),
    ("GET", "/video_feed", {"Sec-Fetch-Site": "same-site"}),
    ("GET", "/emotion", {"Origin": "http://evil.example"}),
    ("GET", "/emotion", {"Origin": "null"}),
    ("GET", "/video_feed", {"Referer": "https://evil.example/cats.html"}),
    ("GET", "/emotion", {"Referer": "http://127.0.0.1:1/"}),  # another port is another site
    ("GET", "/emotion", {"Origin": "http://127.0.0.1@evil.example"}),
    ("POST", "/save_current", {"Sec-Fetch-Site": "cross-site"}),
]


@pytest.fixture(scope="module")
def kiosk_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("hostile-kiosk")
    canvas = np.full((240, 320, 3), 90, np.uint8)
    canvas[20:220, 60:260] = cv2.resize(FACE, (200, 200))
    yield from start_server(folder, "--camera", str(write_video(folder / "face.avi", [canvas] * 20)))


@pytest.mark.parametrize(("method", "path", "headers"), KIOSK_CROSS_SITE, ids=lambda v: str(v)[:40])
def test_cross_site_kiosk_requests_start_nothing(
    kiosk_server: Server, method: str, path: str, headers: dict[str, str]
) -> None:
    with kiosk_server.client() as client:
        with client.stream(method, path, headers=headers) as answer:  # a 200 /video_feed would never end
            assert answer.status_code == 403
            assert "own pages" in json.loads(answer.read())["detail"]
        assert client.get("/api/sessions").json() == []  # no kiosk session, so the camera never started
        assert client.get("/api/settings").status_code == 200
