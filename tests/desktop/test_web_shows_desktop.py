"""A desktop session lands in the web app's database: its analytics and advice pages' APIs show it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import numpy as np
from tests.desktop.conftest import EMOLENS, face_video
from tests.live_server import start_server


def test_the_web_app_shows_a_desktop_session(tmp_path: Path, astronaut_bgr: np.ndarray) -> None:
    video = face_video(tmp_path / "v.avi", astronaut_bgr, 20)
    for server in start_server(tmp_path / "web"):
        run = subprocess.run(
            [
                EMOLENS,
                "live",
                "--source",
                str(video),
                "--no-window",
                "--scenario",
                "Exam",
                "--db",
                str(server.db_path),
                "--out",
                str(tmp_path / "out"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr
        saved = json.loads(next((tmp_path / "out").glob("*/summary.json")).read_text())
        session_id = saved["session"]["id"]
        sessions = httpx.get(f"{server.url}/api/sessions", params={"source": "desktop"}).json()
        assert [s["id"] for s in sessions] == [session_id]
        rows = httpx.get(f"{server.url}/api/observations", params={"session_id": session_id}).json()
        assert sum(r["frames"] for r in rows) == 20  # every frame's face, in per-track samples
        stats = httpx.get(f"{server.url}/api/observations/stats", params={"source": "desktop"}).json()
        assert stats["total"] == 20
        summary = httpx.get(f"{server.url}/api/sessions/{session_id}/summary").json()
        assert sum(summary["counts"].values()) == 20 and summary["session"]["scenario"] == "Exam"
        same = ("counts", "shares", "confidence_score", "dominant", "mean_confidence", "trending", "advice")
        assert {k: summary[k] for k in same} == {k: saved[k] for k in same}, "one summary of one session"
        assert summary["dominant"] == "happy" and summary["advice"]["tips"] and summary["run"] is None
