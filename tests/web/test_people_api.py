"""People over the JSON API of a real `emolens serve`: enrol, recognise in uploads and live, count, remove."""

from __future__ import annotations

import json
import struct

import cv2
import httpx
import numpy as np
import pytest
from tests.conftest import side_by_side
from websockets.sync.client import connect

from live_server import Server


def _jpeg(image: np.ndarray) -> tuple[str, bytes, str]:
    ok, data = cv2.imencode(".jpg", image)
    assert ok
    return ("photo.jpg", data.tobytes(), "image/jpeg")


def _enrol(client: httpx.Client, name: str, *images: np.ndarray) -> httpx.Response:
    files = [("photos", _jpeg(image)) for image in images]
    return client.post("/api/people", data={"name": name}, files=files)


def test_people_page_is_served(server: Server) -> None:
    html = httpx.get(server.url + "/people").text
    assert 'data-testid="enrol-form"' in html and 'data-testid="person-stats"' in html


def test_enrol_recognise_count_and_remove(server: Server, astronaut_bgr: np.ndarray, hopper_bgr: np.ndarray) -> None:
    with server.client() as client:
        refused = _enrol(client, "Grace", hopper_bgr, np.full((240, 320, 3), 200, np.uint8))
        assert refused.status_code == 422 and "found no face" in refused.json()["detail"]
        assert client.get("/api/people").json() == []
        assert _enrol(client, "Eileen", astronaut_bgr).status_code == 201
        assert _enrol(client, "Grace", hopper_bgr).json()["embedding_count"] == 1

        group = side_by_side(astronaut_bgr, hopper_bgr)
        out = client.post("/api/uploads", files=[("files", _jpeg(group))], data={"scenario": "Online Class"}).json()
        named = sorted((f["bbox"]["x1"], f["person"]) for f in out["results"][0]["faces"])
        assert [p for _, p in named] == ["Eileen", "Grace"]
        sid = out["session"]["id"]

        stats = {r["person"]: r for r in client.get("/api/people/stats", params={"session_id": sid}).json()}
        assert set(stats) == {"Eileen", "Grace"}
        assert stats["Eileen"]["total"] == 1 and stats["Eileen"]["counts"]["happy"] == 1
        assert stats["Eileen"]["confidence_score"] == 100.0
        summary = client.get(f"/api/sessions/{sid}/summary", params={"person": "Grace"}).json()
        assert sum(summary["counts"].values()) == 1
        assert client.get("/api/observations", params={"person": "Eileen"}).json()[0]["person"] == "Eileen"

        eileen = next(p["id"] for p in client.get("/api/people").json() if p["name"] == "Eileen")
        removed = client.delete(f"/api/people/{eileen}").json()
        assert removed["observation_count"] == 1
        assert client.get("/api/observations", params={"person": "Eileen"}).json() == []
        again = client.post("/api/analyze", files={"image": _jpeg(astronaut_bgr)}).json()
        assert again["faces"][0]["person"] is None
        gone = client.delete(f"/api/people/{eileen}")
        assert gone.status_code == 404 and f"id {eileen}" in gone.json()["detail"]


@pytest.mark.parametrize("name", ["a/b", ".", "..", "a\\b", "unknown"])
def test_names_that_cannot_be_addressed_are_refused(server: Server, astronaut_bgr: np.ndarray, name: str) -> None:
    with server.client() as client:
        refused = _enrol(client, name, astronaut_bgr)
        assert refused.status_code == 422 and refused.json()["error"] == "InvalidNameError"
        assert "name" in refused.json()["detail"]
        assert name not in [p["name"] for p in client.get("/api/people").json()]


@pytest.mark.parametrize("name", ["O'Brien", "José #2", "Anna Maria van der Berg", "a.b?c=d&e"])
def test_unusual_names_are_removed_by_id(server: Server, astronaut_bgr: np.ndarray, name: str) -> None:
    with server.client() as client:
        enrolled = _enrol(client, name, astronaut_bgr)
        assert enrolled.status_code == 201 and enrolled.json()["name"] == name
        removed = client.delete(f"/api/people/{enrolled.json()['id']}")
        assert removed.status_code == 200 and removed.json()["name"] == name
        assert name not in [p["name"] for p in client.get("/api/people").json()]


def test_live_stream_names_enrolled_people(server: Server, astronaut_bgr: np.ndarray) -> None:
    with server.client() as client:
        assert _enrol(client, "Eileen Live", astronaut_bgr).status_code == 201
    with connect(server.url.replace("http", "ws") + "/ws/live") as ws:
        ws.send(json.dumps({"type": "start", "scenario": "Online Class"}))
        assert json.loads(ws.recv())["type"] == "started"
        people = []
        for frame_id in (1, 2, 3):
            ws.send(struct.pack(">I", frame_id) + _jpeg(astronaut_bgr)[1])
            people += [f["person"] for f in json.loads(ws.recv())["faces"]]
        ws.send(json.dumps({"type": "stop"}))
    assert people == ["Eileen Live"] * 3
