"""Two real `emolens serve` processes on one PostgreSQL database: people enrolled or removed and settings saved
through one reach the other within a few heartbeats."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest
from tests.conftest import side_by_side

from live_server import Server, start_server
from postgres_db import postgres_database

HEARTBEAT_S = "0.5"
DEADLINE_S = 15.0  # many heartbeats: a reload that never comes fails, a slow machine does not


@pytest.fixture()
def two_servers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Server, Server]]:
    monkeypatch.setenv("EMOLENS_HEARTBEAT_S", HEARTBEAT_S)
    for url in postgres_database():
        a = start_server(tmp_path / "a", "--db", url)
        b = start_server(tmp_path / "b", "--db", url)
        try:
            yield next(a), next(b)
        finally:
            a.close()
            b.close()


def _jpeg(image: np.ndarray) -> tuple[str, bytes, str]:
    return ("photo.jpg", cv2.imencode(".jpg", image)[1].tobytes(), "image/jpeg")


def _people_seen(client: httpx.Client, image: np.ndarray) -> list[str | None]:
    faces = client.post("/api/analyze", files={"image": _jpeg(image)}).json()["faces"]
    return [f["person"] for f in sorted(faces, key=lambda f: f["bbox"]["x1"])]


def _within_deadline(what: str, seen: Callable[[], object], expected: object) -> float:
    """Seconds until ``seen()`` gives ``expected``; fails with the last value after DEADLINE_S."""
    start = time.monotonic()
    last = seen()
    while last != expected:
        assert time.monotonic() - start < DEADLINE_S, f"{what}: still {last!r} after {DEADLINE_S} s"
        time.sleep(0.2)
        last = seen()
    return time.monotonic() - start


def test_people_and_settings_reach_the_other_server(
    two_servers: tuple[Server, Server],
    astronaut_bgr: np.ndarray,
    hopper_bgr: np.ndarray,
    capsys: pytest.CaptureFixture[str],
) -> None:
    a, b = two_servers
    pair = side_by_side(astronaut_bgr, hopper_bgr)
    with a.client() as on_a, b.client() as on_b:
        assert _people_seen(on_b, pair) == [None, None]
        enrolled = on_a.post("/api/people", data={"name": "Eileen"}, files=[("photos", _jpeg(astronaut_bgr))])
        assert enrolled.status_code == 201
        took_s = _within_deadline("B recognising Eileen", lambda: _people_seen(on_b, pair), ["Eileen", None])
        assert on_a.post("/api/people", data={"name": "Grace"}, files=[("photos", _jpeg(hopper_bgr))]).is_success
        _within_deadline("B recognising Grace too", lambda: _people_seen(on_b, pair), ["Eileen", "Grace"])

        settings = {**on_a.get("/api/settings").json(), "samples_per_second": 5.0, "crop_every_n_frames": 3}
        assert on_a.put("/api/settings", json=settings).json()["samples_per_second"] == 5.0
        seen_on_b = on_b.get("/api/settings").json()
        assert seen_on_b["samples_per_second"] == 5.0 and seen_on_b["crop_every_n_frames"] == 3
        refused = on_b.put("/api/settings", json={**settings, "samples_per_second": -1})
        assert refused.status_code == 422 and "samples_per_second" in refused.json()["detail"]
        assert on_a.get("/api/settings").json()["samples_per_second"] == 5.0

        eileen = next(p["id"] for p in on_b.get("/api/people").json() if p["name"] == "Eileen")
        assert on_b.delete(f"/api/people/{eileen}").status_code == 200
        gone_s = _within_deadline("A forgetting Eileen removed on B", lambda: _people_seen(on_a, pair), [None, "Grace"])
    with capsys.disabled():
        print(
            f"\nheartbeat {HEARTBEAT_S} s: enrolled on A, recognised by B after {took_s:.1f} s; removed on B, "
            f"forgotten by A after {gone_s:.1f} s"
        )
