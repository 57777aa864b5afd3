"""The JSON API against a real `emolens serve` process (the tiny test model) and its SQLite file."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import struct
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from emolens.session import COLUMNS
from live_server import TOKEN, Server


def _jpeg(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".jpg", image)
    assert ok
    return data.tobytes()


def test_pages_and_openapi(server: Server) -> None:
    for path in ("/", "/upload", "/analytics", "/advice", "/settings", "/docs"):
        response = httpx.get(server.url + path)
        assert response.status_code == 200, path
    assert 'data-testid="start"' in httpx.get(server.url + "/").text
    schema = httpx.get(server.url + "/openapi.json").json()
    paths = schema["paths"]
    wanted = {"/api/sessions", "/api/sessions/{session_id}/summary", "/api/observations/export", "/api/analyze"}
    assert wanted <= set(paths)
    typed = {  # each answers with a model the schema describes, not a bare object
        ("/api/analyze", "post"): "AnalyzeOut",
        ("/api/observations", "get"): "ObservationOut",
        ("/api/observations/stats", "get"): "ObservationStatsOut",
        ("/api/people", "get"): "PersonOut",
        ("/api/people/stats", "get"): "PersonStatsOut",
        ("/emotion", "get"): "KioskEmotionOut",
        ("/save_current", "post"): "SavedFacesOut",
        ("/api/settings", "get"): "UserSettings",
    }
    for (path, method), model in typed.items():
        assert model in json.dumps(paths[path][method]["responses"]["200"]), (path, model)
        assert model in schema["components"]["schemas"]


def test_static_assets_are_local(server: Server) -> None:
    html = httpx.get(server.url + "/analytics").text
    assert "http://" not in html.replace(server.url, "") and "https://" not in html
    assert httpx.get(server.url + "/static/common.js").status_code == 200


def test_csrf_is_required_for_changes(server: Server) -> None:
    refused = httpx.post(server.url + "/api/sessions", json={"scenario": "Exam"})
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    with server.client() as client:
        client.cookies.set("emolens_csrf", "forged")
        assert client.post("/api/sessions", json={"scenario": "Exam"}).status_code == 403


def test_session_api_life_cycle(server: Server) -> None:
    with server.client() as client:
        created = client.post("/api/sessions", json={"scenario": "Meeting", "source": "desktop"})
        assert created.status_code == 201
        sid = created.json()["id"]
        assert client.get(f"/api/sessions/{sid}").json()["scenario"] == "Meeting"
        assert sid in [s["id"] for s in client.get("/api/sessions").json()]
        summary = client.get(f"/api/sessions/{sid}/summary").json()
        assert summary["confidence_score"] is None and summary["dominant"] is None
        ended = client.post(f"/api/sessions/{sid}/end").json()
        assert ended["ended_at"] is not None and ended["observation_count"] == 0
        missing = client.get(f"/api/sessions/{sid}")  # a session that ends empty is not kept
        assert missing.status_code == 404 and "no session" in missing.json()["detail"]
        other = client.post("/api/sessions", json={"scenario": "Other"}).json()["id"]
        assert client.delete(f"/api/sessions/{other}").status_code == 204
        assert client.get(f"/api/sessions/{other}").status_code == 404
        bad = client.post("/api/sessions", json={"scenario": "X", "source": "phone"})
        assert bad.status_code == 422


def test_analyze_one_image(server: Server, astronaut_bgr: np.ndarray) -> None:
    with server.client() as client:
        out = client.post("/api/analyze", files={"image": ("astronaut.jpg", _jpeg(astronaut_bgr), "image/jpeg")}).json()
        assert [(f["label"], f["model"]) for f in out["faces"]] == [("happy", "emolens-tiny-test")]
        wrong = client.post("/api/analyze", files={"image": ("notes.txt", b"hello", "text/plain")})
        assert wrong.status_code == 415 and "unsupported type" in wrong.json()["detail"]
        corrupt = client.post("/api/analyze", files={"image": ("broken.jpg", b"\xff\xd8garbage", "image/jpeg")})
        assert corrupt.status_code == 422 and "not an image" in corrupt.json()["detail"]


def test_upload_images_are_stored_and_exported(server: Server, astronaut_bgr: np.ndarray) -> None:
    files = [("files", (f"a{i}.jpg", _jpeg(astronaut_bgr), "image/jpeg")) for i in range(2)]
    with server.client() as client:
        out = client.post("/api/uploads", files=files, data={"scenario": "Interview"})
        assert out.status_code == 201, out.text
        body = out.json()
        sid = body["session"]["id"]
        assert body["session"]["source"] == "upload" and body["results"][0]["annotated"].startswith("data:image/jpeg")
        rows = client.get("/api/observations", params={"session_id": sid}).json()
        assert [r["emotion"] for r in rows] == ["happy", "happy"]
        exported = client.get("/api/observations/export", params={"session_id": sid, "format": "csv"}).text
        table = list(csv.DictReader(io.StringIO(exported)))
        assert len(table) == 2 and table[0]["emotion"] == "happy" and float(table[0]["p_happy"]) > 0.5
        assert list(table[0]) == list(COLUMNS)  # the one row of every export
        lines = client.get("/api/observations/export", params={"session_id": sid, "format": "jsonl"}).text.splitlines()
        assert [json.loads(line)["session_id"] for line in lines] == [sid, sid]
    with sqlite3.connect(server.db_path) as db:
        assert db.execute("SELECT count(*) FROM observations WHERE session_id = ?", (sid,)).fetchone()[0] == 2


def test_upload_video_is_a_video_session(server: Server, moving_face_video: Path) -> None:
    with server.client() as client:
        files = {"files": ("clip.avi", moving_face_video.read_bytes(), "video/x-msvideo")}
        out = client.post("/api/uploads", files=files, data={"scenario": "Exam"}).json()
        assert out["session"]["source"] == "video" and out["session"]["observation_count"] >= 15
        assert {f["track_id"] for r in out["results"] for f in r["faces"]} == {1}


def test_upload_limits(server: Server) -> None:
    with server.client() as client:
        huge = client.post("/api/uploads", files={"files": ("big.jpg", b"\xff" * (11 * 1024 * 1024), "image/jpeg")})
        assert huge.status_code == 413 and "10 MB" in huge.json()["detail"]
        mixed = [("files", ("a.jpg", b"x", "image/jpeg")), ("files", ("b.mp4", b"x", "video/mp4"))]
        assert client.post("/api/uploads", files=mixed).status_code == 422


def _upload_one(client: httpx.Client, image: np.ndarray, scenario: str) -> str:
    files = {"files": (f"{scenario}.jpg", _jpeg(image), "image/jpeg")}
    out = client.post("/api/uploads", files=files, data={"scenario": scenario})
    assert out.status_code == 201, out.text
    return str(out.json()["session"]["id"])


def test_settings_retention_asks_before_deleting_and_delete_all(server: Server, astronaut_bgr: np.ndarray) -> None:
    with server.client() as client:
        recording = client.post("/api/sessions", json={"scenario": "Recording"}).json()["id"]  # open: spared
        ids = [_upload_one(client, astronaut_bgr, f"S{i}") for i in range(3)]
        before = client.get("/api/sessions").json()
        doomed = [s for s in before if s["observation_count"] and s["ended_at"]][2:]
        body = {"retention": 2, "save_face_crops": False}
        refused = client.put("/api/settings", json=body)
        assert refused.status_code == 409 and "confirm=true" in refused.json()["detail"]
        assert refused.json()["sessions"] == len(doomed) >= 1
        assert refused.json()["observations"] == sum(s["observation_count"] for s in doomed)
        assert client.get("/api/settings").json()["retention"] == 5 and client.get("/api/sessions").json() == before
        saved = client.put("/api/settings", params={"confirm": "true"}, json=body)
        assert saved.status_code == 200 and saved.json()["retention"] == 2
        assert [s["id"] for s in client.get("/api/sessions").json()] == [ids[2], ids[1], recording]
        assert client.put("/api/settings", json=body).status_code == 200  # deletes nothing: no question
        client.put("/api/settings", json={"retention": None})
        assert client.get("/api/settings").json()["retention"] is None
        assert client.delete("/api/data").json()["deleted_sessions"] == 3
        assert client.get("/api/sessions").json() == []


def test_live_websocket_protocol(server: Server, astronaut_bgr: np.ndarray) -> None:
    ws_url = server.url.replace("http", "ws") + "/ws/live"
    with connect(ws_url) as ws:
        ws.send(json.dumps({"type": "start", "scenario": "Public Speaking"}))
        started = json.loads(ws.recv())
        assert started["type"] == "started"
        for frame_id in (7, 8, 9):
            ws.send(struct.pack(">I", frame_id) + _jpeg(astronaut_bgr))
            reply = json.loads(ws.recv())
            assert reply["frame_id"] == frame_id and reply["faces"][0]["label"] == "happy"
        assert reply["counts"]["happy"] == 3 and reply["confidence_score"] == 100.0
        ws.send(b"\x00\x00\x00\x01not a jpeg")
        assert json.loads(ws.recv())["type"] == "error"
        ws.send(json.dumps({"type": "stop"}))
        summary = json.loads(ws.recv())["summary"]
    rows = httpx.get(server.url + "/api/observations", params={"session_id": summary["session"]["id"]}).json()
    assert sum(r["frames"] for r in rows) == 3  # three frames of one face, in per-track samples
    assert summary["session"]["observation_count"] == 3 and summary["session"]["ended_at"]
    assert summary["dominant"] == "happy" and summary["advice"]["tips"]


def test_websocket_refuses_other_origins(server: Server) -> None:
    ws_url = server.url.replace("http", "ws") + "/ws/live"
    with pytest.raises(InvalidStatus) as refused:
        connect(ws_url, origin="http://evil.example")  # type: ignore[arg-type]
    assert refused.value.response.status_code == 403


def test_api_token(serve: Callable[..., Server]) -> None:
    server = serve(token=TOKEN)
    assert httpx.get(server.url + "/api/sessions").status_code == 401
    headers = {"Authorization": f"Bearer {TOKEN}"}
    made = httpx.post(server.url + "/api/sessions", json={"scenario": "Exam"}, headers=headers)
    assert made.status_code == 201
    wrong = {"Authorization": "Bearer wrong-token-xxxxxxxx"}
    assert httpx.get(server.url + "/api/sessions", headers=wrong).status_code == 401


def test_kiosk_endpoints(serve: Callable[..., Server], moving_face_video: Path) -> None:
    server = serve("--camera", str(moving_face_video))
    with server.client() as client:
        for _ in range(100):
            current = client.get("/emotion").json()
            if current["emotion"]:
                break
        assert current["emotion"] == "happy" and current["faces"][0]["bbox"]
        with client.stream("GET", "/video_feed") as stream:
            assert stream.headers["content-type"].startswith("multipart/x-mixed-replace")
            head = b""
            for chunk in stream.iter_bytes():
                head += chunk
                if b"\xff\xd9" in head:
                    break
        assert head.startswith(b"--frame") and b"\xff\xd8" in head
        saved = client.post("/save_current").json()["saved"]
        assert saved and all(Path(p).exists() and "/happy/happy_" in p for p in saved)


def test_kiosk_records_a_session_that_analytics_shows(
    serve: Callable[..., Server], moving_face_video: Path, astronaut_bgr: np.ndarray
) -> None:
    server = serve("--camera", str(moving_face_video))
    with server.client() as client:
        assert client.get("/emotion").status_code == 200  # the first request starts the camera
        for _ in range(300):
            sessions = client.get("/api/sessions", params={"source": "webcam"}).json()
            if sessions and sessions[0]["observation_count"] >= 5:
                break
            time.sleep(0.1)
        [kiosk] = sessions
        assert kiosk["scenario"] == "Kiosk" and kiosk["ended_at"] is None and kiosk["observation_count"] >= 5
        rows = client.get("/api/observations", params={"session_id": kiosk["id"]}).json()
        assert rows and {r["emotion"] for r in rows} == {"happy"} and {r["source"] for r in rows} == {"webcam"}
        later = [_upload_one(client, astronaut_bgr, name) for name in ("A", "B")][-1]
        assert client.put("/api/settings", json={"retention": 1}).json()["sessions"] == 1
        client.put("/api/settings", params={"confirm": "true"}, json={"retention": 1})
        assert [s["id"] for s in client.get("/api/sessions").json()] == [later, kiosk["id"]]  # still recording: kept


def test_kiosk_without_camera_says_how(server: Server) -> None:
    response = httpx.get(server.url + "/emotion")
    assert response.status_code == 503 and "--camera" in response.json()["detail"]
