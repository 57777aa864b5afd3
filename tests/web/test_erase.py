"""Deleting over the API removes the face crops filed under what was deleted and leaves no deleted bytes behind."""

from __future__ import annotations

import json
import sqlite3
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest
from websockets.sync.client import connect

from live_server import Server, start_server

NAME = "Zebulon Quixote-Vantablack"


def _jpeg(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".jpg", image)
    assert ok
    return data.tobytes()


def _live(server: Server, image: np.ndarray, frames: int = 3) -> str:
    """A live session of ``frames`` copies of ``image``; returns its id."""
    with connect(server.url.replace("http", "ws") + "/ws/live") as ws:
        ws.send(json.dumps({"type": "start", "scenario": "Online Class"}))
        session_id = str(json.loads(ws.recv())["session"]["id"])
        for frame_id in range(frames):
            ws.send(struct.pack(">I", frame_id) + _jpeg(image))
            assert json.loads(ws.recv())["faces"]
        ws.send(json.dumps({"type": "stop"}))
        assert json.loads(ws.recv())["type"] == "summary"
    return session_id


def _crops(server: Server, session_id: str | None = None) -> list[Path]:
    root = server.data_dir / "face_crops"
    return sorted((root / session_id if session_id else root).rglob("*.jpg"))


def _database_bytes(server: Server) -> bytes:
    files = [server.db_path, server.db_path.with_name(server.db_path.name + "-wal")]
    return b"".join(p.read_bytes() for p in files if p.exists())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from start_server(tmp_path_factory.mktemp("erase"))


@pytest.fixture()
def client(server: Server) -> Iterator[httpx.Client]:
    with server.client() as c:
        assert c.delete("/api/data").status_code == 200
        every_frame = {"save_face_crops": True, "crop_every_n_frames": 1, "samples_per_second": 0}  # exact counts
        assert c.put("/api/settings", json=every_frame).status_code == 200
        yield c


def test_removing_a_person_removes_their_crops_name_and_embeddings(
    server: Server, client: httpx.Client, astronaut_bgr: np.ndarray, hopper_bgr: np.ndarray
) -> None:
    enrolled = client.post("/api/people", data={"name": NAME}, files=[("photos", ("a.jpg", _jpeg(astronaut_bgr)))])
    assert enrolled.status_code == 201
    with sqlite3.connect(server.db_path) as db:
        [(embedding,)] = db.execute("SELECT vector FROM embeddings").fetchall()
    theirs, others = _live(server, astronaut_bgr), _live(server, hopper_bgr)
    assert len(_crops(server, theirs)) == 3 and all(
        "_pzebulon-quixote-vantablack-" in p.name for p in _crops(server, theirs)
    )
    assert len(_crops(server, others)) == 3
    removed = client.delete(f"/api/people/{enrolled.json()['id']}")
    assert removed.status_code == 200 and removed.json()["observation_count"] == 3
    assert _crops(server, theirs) == [] and len(_crops(server, others)) == 3  # only theirs went
    raw = _database_bytes(server)
    assert NAME.encode() not in raw and embedding[:64] not in raw
    assert client.get(f"/api/sessions/{others}").json()["observation_count"] == 3  # the rest is intact


def test_deleting_a_session_removes_its_crops_only(
    server: Server, client: httpx.Client, astronaut_bgr: np.ndarray
) -> None:
    first, second = _live(server, astronaut_bgr), _live(server, astronaut_bgr)
    assert client.delete(f"/api/sessions/{first}").status_code == 204
    assert _crops(server, first) == [] and not (server.data_dir / "face_crops" / first).exists()
    assert len(_crops(server, second)) == 3 and client.get(f"/api/sessions/{second}").status_code == 200


def test_retention_removes_the_crops_of_the_sessions_it_deletes(
    server: Server, client: httpx.Client, astronaut_bgr: np.ndarray
) -> None:
    old, new = _live(server, astronaut_bgr), _live(server, astronaut_bgr)
    settings = {"retention": 1, "save_face_crops": True}
    assert client.put("/api/settings", json=settings).status_code == 409  # it asks first
    assert client.put("/api/settings?confirm=true", json=settings).status_code == 200
    assert _crops(server, old) == [] and len(_crops(server, new)) == 3
    assert [s["id"] for s in client.get("/api/sessions").json()] == [new]
    client.put("/api/settings", json={"retention": None})


def test_deleting_everything_removes_every_crop_and_the_deleted_rows_bytes(
    server: Server, client: httpx.Client, astronaut_bgr: np.ndarray
) -> None:
    client.post("/api/sessions", json={"scenario": "Quarterly-Obsidian-Review"})
    sessions = [_live(server, astronaut_bgr) for _ in range(2)]
    stray = server.data_dir / "face_crops" / "from-an-older-version" / "happy" / "happy_90.jpg"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"\xff\xd8old layout")
    assert len(_crops(server)) == 7
    assert client.delete("/api/data").json() == {"deleted_sessions": 3}
    assert not (server.data_dir / "face_crops").exists() and client.get("/api/sessions").json() == []
    assert b"Quarterly-Obsidian-Review" not in _database_bytes(server)
    assert all(client.get(f"/api/sessions/{s}").status_code == 404 for s in sessions)
    assert client.get("/api/settings").json()["save_face_crops"] is True  # settings stay


def test_a_live_session_deleted_while_recording_leaves_no_crops(
    server: Server, client: httpx.Client, astronaut_bgr: np.ndarray
) -> None:
    with connect(server.url.replace("http", "ws") + "/ws/live") as ws:
        ws.send(json.dumps({"type": "start", "scenario": "Online Class"}))
        session_id = str(json.loads(ws.recv())["session"]["id"])
        ws.send(struct.pack(">I", 1) + _jpeg(astronaut_bgr))
        assert json.loads(ws.recv())["faces"] and len(_crops(server, session_id)) == 1
        assert client.delete("/api/data").json() == {"deleted_sessions": 1}
        time.sleep(1.1)  # the next frame's store finds the session gone
        ws.send(struct.pack(">I", 2) + _jpeg(astronaut_bgr))
        reply = json.loads(ws.recv())  # the frame is analysed (and cropped), then storing it fails
    assert reply["type"] == "error" and "deleted" in reply["detail"]
    assert _crops(server) == [] and not (server.data_dir / "face_crops" / session_id).exists()
