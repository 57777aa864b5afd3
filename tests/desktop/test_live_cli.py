"""`emolens live` as a user runs it: the real window under Xvfb driven by xdotool key presses, and --no-window."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from tests.desktop.conftest import EMOLENS, face_video

from emolens.desktop.panel import PANEL_WIDTH
from emolens.storage import ObservationFilter, Store

TIMEOUT_S = 90  # generous: the machine is shared with a training run


def _wait_for(predicate, what: str, timeout_s: float = TIMEOUT_S):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value is not None and value is not False:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


class LiveProcess:
    """`emolens live` in a subprocess on a display, with helpers to press keys and find its files."""

    def __init__(self, args: list[str], display: str | None, out: Path, model: Path):
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        if display:
            env["DISPLAY"] = display
        self.out = out
        self.proc = subprocess.Popen(
            [EMOLENS, "live", *args, "--out", str(out), "--model", str(model)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.display = display
        self.window = ""

    def find_window(self) -> str:
        result = subprocess.run(
            ["xdotool", "search", "--sync", "--name", "emolens live"],
            env=self._x_env(),
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=True,
        )
        self.window = result.stdout.split()[0]
        return self.window

    def key(self, name: str) -> None:
        """Press a key, then give the viewer a moment: OpenCV's waitKey hands over one key per frame."""
        subprocess.run(
            ["xdotool", "key", "--window", self.window, name],
            env=self._x_env(),
            capture_output=True,
            timeout=30,
            check=True,
        )
        time.sleep(0.5)

    def _x_env(self) -> dict[str, str]:
        return {**os.environ, "DISPLAY": self.display or ""}

    def file(self, name: str) -> Path:
        return _wait_for(lambda: next(iter(self.out.glob(f"*/{name}")), None), name)

    def finish(self) -> tuple[str, str]:
        stdout, stderr = self.proc.communicate(timeout=TIMEOUT_S)
        assert self.proc.returncode == 0, stderr
        return stdout, stderr


def _rows(path: Path) -> list[dict[str, str]]:
    _wait_for(lambda: path.exists() and path.read_text().count("\n") >= 1, f"{path.name} written")
    time.sleep(0.2)  # let the writer finish the file
    with path.open() as handle:
        return list(csv.DictReader(handle))


@pytest.fixture()
def long_video(tmp_path: Path, astronaut_bgr: np.ndarray) -> Path:
    """20 s at 10 FPS: longer than the key sequence below, so q (not the end of the video) ends the run."""
    return face_video(tmp_path / "long.avi", astronaut_bgr, 200, fps=10)


@pytest.fixture()
def live(display: str, tmp_path: Path, long_video: Path, tiny_model: Path) -> Iterator[LiveProcess]:
    process = LiveProcess(
        ["--source", str(long_video), "--db", str(tmp_path / "e.db"), "--scenario", "Interview"],
        display,
        tmp_path / "out",
        tiny_model,
    )
    yield process
    if process.proc.poll() is None:
        process.proc.kill()
        process.proc.communicate()


def test_window_keys_screenshot_export_pause_reset_and_quit(live: LiveProcess, tmp_path: Path) -> None:
    live.find_window()
    time.sleep(2.0)  # let some frames through
    live.key("space")  # pause
    live.key("e")
    first = _rows(live.file("observations-001.csv"))
    time.sleep(1.0)
    live.key("e")
    second = _rows(live.file("observations-002.csv"))
    assert len(first) > 0 and len(second) == len(first), "no frame may be analysed while paused"
    live.key("space")  # resume
    time.sleep(1.5)
    live.key("e")
    third = _rows(live.file("observations-003.csv"))
    assert len(third) > len(second), "analysis goes on after resuming"
    live.key("r")
    live.key("s")
    shot = live.file("screenshot-001.png")
    image = _wait_for(lambda: cv2.imread(str(shot)), "a readable screenshot")
    assert image.shape == (480, 640 + PANEL_WIDTH, 3)  # the 320x240 video scaled up, plus the panel
    live.key("q")
    stdout, stderr = live.finish()

    assert "SESSION SUMMARY" in stdout
    assert "paused" in stderr and "resumed" in stderr and "statistics reset" in stderr
    summary = json.loads(live.file("summary.json").read_text())
    run, session = summary["run"], summary["session"]
    assert run["resets"] == 1 and session["scenario"] == "Interview" and session["source"] == "desktop"
    assert 0 < run["frames"] < 200, "q ended the run before the end of the video"
    assert run["observations"] == session["observation_count"] >= len(third)
    assert run["files"]["screenshots"] == [str(shot)]
    assert len(run["files"]["csv exports"]) == 3

    store = Store(f"sqlite:///{tmp_path / 'e.db'}")
    try:
        session = store.get_session(summary["session"]["id"])
        rows = store.query_observations(ObservationFilter(session_id=session.id))
    finally:
        store.close()
    assert session.source == "desktop" and session.ended_at is not None and session.scenario == "Interview"
    assert sum(r.frames for r in rows) == summary["run"]["observations"]  # every face seen, in per-track samples
    assert [r["emotion"] for r in third] == [r.emotion for r in rows[: len(third)]]


def test_terminating_the_viewer_still_saves_the_session(live: LiveProcess, tmp_path: Path) -> None:
    live.find_window()
    time.sleep(1.5)
    live.proc.send_signal(signal.SIGTERM)
    stdout, _ = live.finish()
    summary = json.loads(live.file("summary.json").read_text())
    assert summary["run"]["frames"] > 0 and summary["session"]["observation_count"] == summary["run"]["observations"]
    assert "SESSION SUMMARY" in stdout


def test_no_window_runs_a_video_to_the_end(tmp_path: Path, astronaut_bgr: np.ndarray, tiny_model: Path) -> None:
    video = face_video(tmp_path / "v.avi", astronaut_bgr, 25)
    db = tmp_path / "e.db"
    process = LiveProcess(["--source", str(video), "--db", str(db), "--no-window"], None, tmp_path / "out", tiny_model)
    stdout, _ = process.finish()
    summary = json.loads(process.file("summary.json").read_text())
    assert summary["run"]["frames"] == summary["run"]["observations"] == summary["session"]["observation_count"] == 25
    assert summary["session"]["scenario"] == "Online Class" and "SESSION SUMMARY" in stdout
    assert not list(tmp_path.rglob("*.jpg")), "face crops are off by default"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "missing.avi"], "does not exist"),  # checked before any window opens
        (["--source", "0", "--weights", "happy=lots"], "bad weight"),
    ],
)
def test_bad_input_gets_a_clear_error(tmp_path: Path, args: list[str], message: str, tiny_model: Path) -> None:
    process = LiveProcess([*args, "--no-window", "--db", str(tmp_path / "e.db")], None, tmp_path / "out", tiny_model)
    _, stderr = process.proc.communicate(timeout=TIMEOUT_S)
    assert process.proc.returncode == 2 and message in stderr


def test_a_window_without_display_says_what_to_do(tmp_path: Path, long_video: Path, tiny_model: Path) -> None:
    process = LiveProcess(
        ["--source", str(long_video), "--db", str(tmp_path / "e.db")], None, tmp_path / "out", tiny_model
    )
    _, stderr = process.proc.communicate(timeout=TIMEOUT_S)
    assert process.proc.returncode == 2 and "--no-window" in stderr and "xvfb-run" in stderr


def test_enrolled_people_are_named_in_the_stored_observations(
    tmp_path: Path, astronaut_bgr: np.ndarray, tiny_model: Path
) -> None:
    db, photo = tmp_path / "people.db", tmp_path / "eileen.jpg"
    cv2.imwrite(str(photo), astronaut_bgr)
    enrol = subprocess.run(
        [EMOLENS, "people", "add", "Eileen", str(photo), "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    assert enrol.returncode == 0, enrol.stderr
    video = face_video(tmp_path / "v.avi", astronaut_bgr, 12)
    process = LiveProcess(["--source", str(video), "--db", str(db), "--no-window"], None, tmp_path / "out", tiny_model)
    stdout, stderr = process.finish()
    assert "naming 1 enrolled people" in stderr and "person       Eileen:" in stdout
    summary = json.loads(process.file("summary.json").read_text())
    assert summary["person_counts"] == {"Eileen": {"happy": 12}}
    store = Store(f"sqlite:///{db}")
    try:
        rows = store.query_observations(ObservationFilter(session_id=summary["session"]["id"]))
        assert sum(r.frames for r in rows) == 12 and {r.person for r in rows} == {"Eileen"}
        unnamed = LiveProcess(
            ["--source", str(video), "--db", str(db), "--no-window", "--no-people"], None, tmp_path / "out2", tiny_model
        )
        unnamed.finish()
        session_id = json.loads(unnamed.file("summary.json").read_text())["session"]["id"]
        assert {r.person for r in store.query_observations(ObservationFilter(session_id=session_id))} == {None}
    finally:
        store.close()
