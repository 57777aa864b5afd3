"""People over the JSON API of a real `emolens serve`: enrol, recognise in uploads and live, count, remove."""

from __future__ import annotations

import json
import struct

import cv2
import httpx
import numpy as np
from live_server import Server
from tests.conftest import side_by_side
from websockets.sync.client import connect


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

        removed = client.delete("/api/people/Eileen").json()
        assert removed["observation_count"] == 1
        assert client.get("/api/observations", params={"person": "Eileen"}).json() == []
        again = client.post("/api/analyze", files={"image": _jpeg(astronaut_bgr)}).json()
        assert again["faces"][0]["person"] is None
        assert client.delete("/api/people/Eileen").status_code == 404


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
