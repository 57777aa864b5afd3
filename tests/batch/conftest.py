"""Batch fixtures: a folder of real media (photos, a two-face video, a truncated video, an empty file, a text
file), a runner for the real `emolens batch` command, and a real local Ray head."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

SRC = str(Path(__file__).resolve().parents[2] / "src")
# the batch every test runs: all 10 frames per second of the videos, in units of 8 frames
OPTIONS = ["--sample-fps", "10", "--unit-frames", "8"]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")])}


def batch_command(inputs: Path, out: Path, *options: str) -> list[str]:
    return [sys.executable, "-m", "emolens", "batch", str(inputs), "--out", str(out), *OPTIONS, *options]


def run_batch_cli(inputs: Path, out: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """Run `emolens batch` as a user would, in its own process."""
    command = batch_command(inputs, out, *options)
    return subprocess.run(command, capture_output=True, text=True, env=_env(), timeout=300)


def start_batch_cli(inputs: Path, out: Path, *options: str) -> subprocess.Popen[str]:
    """Start `emolens batch` in a new process group (so a test can kill it and its workers at once)."""
    command = batch_command(inputs, out, *options)
    return subprocess.Popen(command, env=_env(), text=True, stderr=subprocess.PIPE, start_new_session=True)


def _two_faces_video(path: Path, left: np.ndarray, right: np.ndarray, frames: int = 40) -> Path:
    """Two faces drifting apart, 1 px every other frame each, as a 560x300 MJPEG AVI at 10 fps."""
    faces = [cv2.resize(p, (240, 240)) for p in (left, right)]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 10.0, (560, 300))
    assert writer.isOpened()
    for i in range(frames):
        canvas = np.full((300, 560, 3), 100, np.uint8)
        canvas[30:270, 60 - i // 2 : 300 - i // 2] = faces[0]
        canvas[30:270, 260 + i // 2 : 500 + i // 2] = faces[1]
        writer.write(canvas)
    writer.release()
    return path


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory, astronaut_bgr: np.ndarray, hopper_bgr: np.ndarray) -> Path:
    """astronaut.jpg, hopper.png, faces.avi (40 frames: the astronaut and her mirror image), sub/cut.avi (its
    first 60% of bytes), empty.mp4 (0 bytes) and notes.txt."""
    folder = tmp_path_factory.mktemp("media")
    (folder / "sub").mkdir()
    cv2.imwrite(str(folder / "astronaut.jpg"), astronaut_bgr)
    cv2.imwrite(str(folder / "hopper.png"), cv2.resize(hopper_bgr, (256, 300)))
    video = _two_faces_video(folder / "faces.avi", astronaut_bgr, cv2.flip(astronaut_bgr, 1))
    data = video.read_bytes()
    (folder / "sub" / "cut.avi").write_bytes(data[: len(data) * 6 // 10])
    (folder / "empty.mp4").write_bytes(b"")
    (folder / "notes.txt").write_text("not a picture")
    return folder


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _need_ray() -> None:
    try:
        import ray  # noqa: F401
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("Ray is missing in CI: `make install` must install the cluster extra (emolens[cluster])")
        pytest.skip("Ray is not installed (pip install 'emolens[cluster]')")


@pytest.fixture(scope="session")
def ray_head() -> Iterator[str]:
    """The address of a real local Ray head (2 CPUs, 127.0.0.1), stopped afterwards."""
    _need_ray()
    port = _free_port()
    temp_dir = tempfile.mkdtemp(prefix="ray")  # short: Ray's socket paths must fit 107 bytes
    ray = str(Path(sys.executable).with_name("ray"))
    command = [ray, "start", "--head", "--block", "--node-ip-address=127.0.0.1", f"--port={port}"]
    command += ["--num-cpus=2", "--include-dashboard=false", f"--temp-dir={temp_dir}", "--disable-usage-stats"]
    head = subprocess.Popen(command, env=_env(), start_new_session=True, stdout=subprocess.DEVNULL)
    address = f"127.0.0.1:{port}"
    try:
        _wait_for_port(port, head)
        yield address
    finally:
        os.killpg(head.pid, signal.SIGTERM)
        try:
            head.wait(timeout=5)
        except subprocess.TimeoutExpired:  # a clean stop takes ~30 s; its processes share the head's group
            os.killpg(head.pid, signal.SIGKILL)
            head.wait()
        shutil.rmtree(temp_dir, ignore_errors=True)


def _wait_for_port(port: int, head: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert head.poll() is None, "ray start --head exited early"
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"the Ray head did not listen on port {port} within 120 s")
