"""kill -9 a server mid live session: another server on the same database ends it at its last observation.

Also measures what the kill loses: faces acknowledged over the WebSocket against observations stored.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest
from websockets.sync.client import connect

from live_server import _free_port, _wait

HEARTBEAT_S = "0.5"  # six missed beats, 3 s, and the server is gone
FLUSH_EVERY_S = 1.0  # web/live.py stores observations once a second
SAMPLE_S = 0.5  # the default 2 samples a second: a sample is queued half a second after its first frame


def _spawn(folder: Path, db_url: str) -> tuple[subprocess.Popen[bytes], str]:
    folder.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    env = {**os.environ, "EMOLENS_DATA_DIR": str(folder / "data"), "EMOLENS_HEARTBEAT_S": HEARTBEAT_S}
    env.pop("EMOLENS_API_TOKEN", None)
    args = [sys.executable, "-m", "emolens", "serve", "--port", str(port), "--workers", "1", "--db", db_url]
    with (folder / "server.log").open("w") as log:
        process = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    _wait(url, process, folder / "server.log")
    return process, url


def _record_until_killed(
    url: str, jpeg: bytes, process: subprocess.Popen[bytes]
) -> tuple[str, list[tuple[float, int]]]:
    """A live session streaming frames for 2.5 s, then kill -9 right after an acknowledgement.

    Returns the session id and (monotonic time, faces) of every acknowledged frame.
    """
    acks: list[tuple[float, int]] = []
    with connect(url.replace("http", "ws") + "/ws/live") as ws:
        ws.send(json.dumps({"type": "start", "scenario": "Crash"}))
        session_id = json.loads(ws.recv())["session"]["id"]
        t0 = time.monotonic()
        frame_id = 0
        while time.monotonic() - t0 < 2.5:
            frame_id += 1
            ws.send(struct.pack(">I", frame_id) + jpeg)
            reply = json.loads(ws.recv())
            assert reply["frame_id"] == frame_id
            acks.append((time.monotonic(), len(reply["faces"])))
        process.kill()
        process.wait(timeout=10)
    return session_id, acks


def test_a_killed_servers_session_is_ended_by_another(
    db_url: str, tmp_path: Path, astronaut_bgr: np.ndarray, capsys: pytest.CaptureFixture[str]
) -> None:
    jpeg = cv2.imencode(".jpg", astronaut_bgr)[1].tobytes()
    first, url = _spawn(tmp_path / "first", db_url)
    second, other = _spawn(tmp_path / "second", db_url)  # running beside it: it must notice the kill
    try:
        session_id, acks = _record_until_killed(url, jpeg, first)
        deadline, session = time.monotonic() + 60, {}
        while time.monotonic() < deadline:
            session = httpx.get(f"{other}/api/sessions/{session_id}").json()
            if session["ended_at"]:
                break
            time.sleep(0.1)
        ended_after_s = time.monotonic() - acks[-1][0]
        rows = httpx.get(f"{other}/api/observations", params={"session_id": session_id}).json()
        assert httpx.get(f"{other}/api/settings").status_code == 200
    finally:
        first.kill()
        second.terminate()
        second.wait(timeout=20)
    acknowledged, stored = sum(n for _, n in acks), sum(r["frames"] for r in rows)
    killed_at = acks[-1][0]
    last_second = sum(n for t, n in acks if t > killed_at - FLUSH_EVERY_S - SAMPLE_S - 0.2)  # and a frame of slack
    with capsys.disabled():
        fps = len(acks) / (acks[-1][0] - acks[0][0])
        print(
            f"\nkill -9 ({db_url.split(':')[0]}): {acknowledged} faces acknowledged at {fps:.1f} FPS, "
            f"{stored} stored in {len(rows)} samples, {acknowledged - stored} lost (at most {last_second} allowed: "
            "the last sample and flush); "
            f"ended by the other server {ended_after_s:.1f} s after the kill"
        )
    assert session["ended_at"] is not None, "the other server did not end the killed server's session in 60 s"
    ended_at, last_seen = (datetime.fromisoformat(t) for t in (session["ended_at"], rows[-1]["timestamp"]))
    assert ended_at == last_seen and session["observation_count"] == stored
    assert 0 < stored <= acknowledged and acknowledged - stored <= last_second
