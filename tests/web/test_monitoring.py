"""Drift monitoring of the live sessions, end to end: FER2013 test faces sent as JPEG frames over the live
WebSocket (as the live page sends them) to a real `emolens serve` with a small window; darkened, they raise one
stored event, a banner message and the hook; unshifted, nothing. One Chromium test for the page and the banner.

The reference is a "camera profile" of other faces in the same kind of frames (as a deployment makes with
`emolens drift clip.mp4 --save-profile`): FER2013's 48 px crops upscaled into a frame come out softer than the
shipped profile's crops after alignment, which its sharpness test rightly flags.
"""

from __future__ import annotations

import csv
import io
import json
import shlex
import struct
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest
from tests.conftest import write_y4m

from emolens.data.facesets import load_faceset
from emolens.monitoring.shifts import SHIFTS
from live_server import Server, start_server

WINDOW, CHECK_EVERY, FRAMES, REFERENCE_FRAMES = 60, 20, 160, 400
HOOK = (
    "import sys, pathlib\nwith pathlib.Path(sys.argv[1]).open('a') as out:\n    out.write(sys.stdin.read() + chr(10))\n"
)


def fer_frame(crop: np.ndarray) -> np.ndarray:
    """A 320 x 240 BGR frame with a FER2013 crop upscaled to 144 px in its middle, on grey."""
    face = cv2.resize(crop, (144, 144), interpolation=cv2.INTER_CUBIC)
    return cv2.cvtColor(cv2.copyMakeBorder(face, 48, 48, 88, 88, cv2.BORDER_CONSTANT, value=128), cv2.COLOR_GRAY2BGR)


def jpeg_round_trip(frame: np.ndarray) -> np.ndarray:
    return cv2.imdecode(cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 90])[1], cv2.IMREAD_COLOR)


@pytest.fixture(scope="module")
def frame_sets(fer2013: Path) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(160 stream frames, 400 reference frames) of distinct random FER2013 test faces."""
    faces = load_faceset(fer2013, "test")
    index = np.random.default_rng(1).choice(len(faces), FRAMES + REFERENCE_FRAMES, replace=False)
    frames = [fer_frame(faces.images[i]) for i in index]
    return frames[:FRAMES], frames[FRAMES:]


@pytest.fixture(scope="module")
def plain_frames(frame_sets: tuple[list[np.ndarray], list[np.ndarray]]) -> list[np.ndarray]:
    return frame_sets[0]


@pytest.fixture(scope="module")
def camera_profile(
    frame_sets: tuple[list[np.ndarray], list[np.ndarray]], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The reference: the faces of 400 other frames, found and measured as the server does."""
    from emolens.monitoring import FeatureReader, Measurements, build_profile
    from emolens.monitoring.sources import Measurer
    from emolens.vision.pipeline import Analyzer

    analyzer, reader = Analyzer(small_faces="never"), FeatureReader()
    measurer = Measurer(reader, analyzer.detector)
    parts = []
    for frame in map(jpeg_round_trip, frame_sets[1]):
        faces = analyzer.detector.detect(frame)
        if faces:
            parts.append(measurer.faces(frame, faces))
    card = reader.card
    profile = build_profile(
        Measurements.concat(parts), [e.value for e in card.labels], card.name, card.version, "test frames"
    )
    return profile.save(tmp_path_factory.mktemp("profile") / "camera.profile.json")


@pytest.fixture(scope="module")
def dark_frames(plain_frames: list[np.ndarray]) -> list[np.ndarray]:
    return [SHIFTS["darken"](frame[None], 0.3)[0] for frame in plain_frames]


@pytest.fixture(scope="module")
def watched(tmp_path_factory: pytest.TempPathFactory, camera_profile: Path) -> Iterator[tuple[Server, Path]]:
    """A server testing every frame in windows of 60 faces every 20, with a hook command appending to a file."""
    folder = tmp_path_factory.mktemp("watched")
    script, events = folder / "hook.py", folder / "hook-events.jsonl"
    script.write_text(HOOK)
    hook = shlex.join([sys.executable, str(script), str(events)])
    env = {
        "EMOLENS_DRIFT_WINDOW": str(WINDOW),
        "EMOLENS_DRIFT_CHECK_EVERY": str(CHECK_EVERY),
        "EMOLENS_DRIFT_EVERY": "1",
        "EMOLENS_DRIFT_PROFILE": str(camera_profile),
        "EMOLENS_DRIFT_HOOK": hook,
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        generator = start_server(folder / "server")
        server = next(generator)
    yield server, events
    generator.close()


def stream(server: Server, frames: list[np.ndarray], scenario: str) -> tuple[str, list[dict[str, Any]]]:
    """Send ``frames`` over /ws/live one by one as the live page does; the session id and every message."""
    from websockets.sync.client import connect

    messages: list[dict[str, Any]] = []

    def until(kind: str) -> None:  # a drift message follows the result of the frame that raised it
        while not messages or messages[-1]["type"] != kind:
            messages.append(json.loads(ws.recv()))
            assert messages[-1]["type"] != "error", messages[-1]

    with connect(server.url.replace("http", "ws") + "/ws/live") as ws:
        ws.send(json.dumps({"type": "start", "scenario": scenario}))
        session_id = json.loads(ws.recv())["session"]["id"]
        for frame_id, frame in enumerate(frames):
            jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()
            ws.send(struct.pack(">I", frame_id) + jpeg)
            until("result")
        ws.send(json.dumps({"type": "stop"}))
        until("summary")
    return session_id, messages


def _wait_for_lines(path: Path, count: int, timeout_s: float = 15) -> list[str]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        lines = path.read_text().splitlines() if path.exists() else []
        if len(lines) >= count:
            return lines
        time.sleep(0.2)
    raise AssertionError(f"the hook wrote {path.read_text() if path.exists() else 'nothing'}")


def test_a_darkened_stream_raises_one_drift_event_and_an_unshifted_one_none(
    watched: tuple[Server, Path], plain_frames: list[np.ndarray], dark_frames: list[np.ndarray]
) -> None:
    server, hook_file = watched
    client = server.client()
    _, plain = stream(server, plain_frames, "Exam")
    assert [m for m in plain if m["type"] == "drift"] == []
    state = client.get("/api/monitoring").json()
    assert state["enabled"] and state["checked"] and state["verdict"] == "ok", state
    assert state["faces"] == WINDOW and state["window"] == WINDOW and state["check_every"] == CHECK_EVERY
    brightness = next(f for f in state["features"] if f["feature"] == "brightness")
    assert brightness["level"] == "ok" and brightness["band"]["low"] < brightness["recent"][-1]["median"]
    assert client.get("/api/monitoring/events").json() == [] and not hook_file.exists()

    session_id, dark = stream(server, dark_frames, "Exam")
    banners = [m for m in dark if m["type"] == "drift"]
    # raised once per rise of the verdict (at most ok -> warn -> drift), not on every frame after
    assert [b["verdict"] for b in banners] in (["drift"], ["warn", "drift"]), banners
    banner = banners[-1]
    assert banner["link"] == "/monitoring" and banner["features"]
    assert set(banner["features"]) <= {"brightness", "contrast", "sharpness"}
    assert all(name in banner["message"] for name in banner["features"])

    events = client.get("/api/monitoring/events").json()
    assert [e["id"] for e in events] == [b["event"]["id"] for b in reversed(banners)]  # newest first
    event = events[0]
    assert event["session_id"] == session_id and event["source"] == "live"
    assert event["verdict"] == "drift" and event["details"]["previous"] in ("ok", "warn")
    assert event["details"]["faces"] == WINDOW and event["details"]["model"] == "emolens-fer-vgg-l-int8"
    drifted = [t for t in event["features"] if t["level"] == "drift"]
    assert drifted and all(t["effect_name"] == "psi" and t["test"] == "kolmogorov-smirnov" for t in drifted)
    assert all(t["effect"] >= t["threshold"] == 0.25 and t["p_value"] < 0.01 for t in drifted)
    state = client.get("/api/monitoring").json()
    assert state["verdict"] == "drift" and state["last_event"]["id"] == event["id"]
    levels = {f["feature"]: f["level"] for f in state["features"]}
    assert levels["brightness"] == "drift" and levels["yaw"] == "ok"
    assert not {"roll_deg", "eyes_x", "eyes_y", "eye_distance"} & set(levels)  # the aligner fixes these

    hooked = [json.loads(line) for line in _wait_for_lines(hook_file, len(events))]
    assert sorted(h["id"] for h in hooked) == sorted(e["id"] for e in events)
    last = max(hooked, key=lambda h: h["id"])
    assert last["type"] == "drift" and last["features"] == event["features"] and last["session_id"] == session_id

    exported = client.get("/api/monitoring/events/export", params={"format": "csv"})
    assert exported.status_code == 200 and "emolens-drift-events.csv" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [int(r["id"]) for r in rows] == [e["id"] for e in reversed(events)]  # oldest first
    assert rows[-1]["session_id"] == session_id and json.loads(rows[-1]["features"]) == event["features"]
    lines = client.get("/api/monitoring/events/export", params={"format": "jsonl"}).text.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [int(r["id"]) for r in rows]
    page = client.get("/monitoring").text
    assert 'href="/monitoring" class="on"' in page and "/static/monitoring.js" in page and "https://" not in page
    assert 'href="/monitoring"' in client.get("/analytics").text  # in every page's navigation
    assert client.get("/static/monitoring.js").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    for path, model in (("/api/monitoring", "MonitoringOut"), ("/api/monitoring/events", "DriftEventOut")):
        assert model in json.dumps(paths[path]["get"]["responses"]["200"]), path

    assert client.delete(f"/api/sessions/{session_id}").status_code == 204
    assert client.get("/api/monitoring/events").json() == []  # the session took its events with it
    assert client.get("/api/monitoring").json()["last_event"] is None


def test_monitoring_page_lists_the_event_and_the_live_page_shows_the_banner(
    watched: tuple[Server, Path], plain_frames: list[np.ndarray], dark_frames: list[np.ndarray], tmp_path: Path
) -> None:
    """Unshifted faces re-arm the monitor; then a browser whose camera sees dark faces gets the banner."""
    from tests.web.test_browser import CHROMIUM, FLAGS, _shot

    if not Path(CHROMIUM).exists():
        pytest.skip("browser tests need Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    server, _ = watched
    stream(server, plain_frames, "Exam")
    assert httpx.get(server.url + "/api/monitoring").json()["verdict"] == "ok"
    camera = write_y4m(tmp_path / "dark.y4m", dark_frames)
    with sync_playwright() as p:
        args = [*FLAGS, f"--use-file-for-fake-video-capture={camera}"]
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(server.url + "/")
        page.select_option('[data-testid="scenario"]', "Interview")
        page.click('[data-testid="start"]')
        page.wait_for_selector('[data-testid="drift-banner"]:not([hidden])', timeout=120_000)
        text = page.inner_text('[data-testid="drift-banner"]')
        assert "Drift" in text and any(name in text for name in ("brightness", "contrast", "sharpness"))
        assert page.get_attribute('[data-testid="drift-link"]', "href") == "/monitoring"
        _shot(page, "live-drift-banner")
        page.click('[data-testid="stop"]')
        page.wait_for_selector('[data-testid="summary"]:not([hidden])', timeout=30_000)
        page.click('[data-testid="drift-link"]')
        page.wait_for_selector('[data-testid="events"] tr[data-verdict="drift"]', timeout=30_000)
        row = page.inner_text('[data-testid="events"] tr[data-verdict="drift"]')
        assert "live" in row and "psi" in row
        assert page.locator('[data-testid="feature-brightness"] svg polyline').count() == 1
        assert "Monitoring" in page.inner_text("nav")
        _shot(page, "monitoring")
        browser.close()
