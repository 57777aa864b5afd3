"""Desktop viewer fixtures: face videos of a chosen length and a virtual X display (Xvfb)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from tests.conftest import write_video

EMOLENS = str(Path(sys.executable).with_name("emolens"))


def face_video(path: Path, photo: np.ndarray, frames: int, fps: float = 10.0) -> Path:
    """A 320x240 video of ``photo`` drifting right and back, ``frames`` long."""
    face = cv2.resize(photo, (200, 200))
    images = []
    for i in range(frames):
        x = 20 + 2 * (i % 40 if (i // 40) % 2 == 0 else 39 - i % 40)
        canvas = np.full((240, 320, 3), 90, np.uint8)
        canvas[20:220, x : x + 200] = face
        images.append(canvas)
    return write_video(path, images, fps)


def _need(tool: str) -> None:
    if shutil.which(tool) is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{tool} is missing in CI: .ci/run must install it (apt-get install xvfb xdotool)")
        pytest.skip(f"{tool} not installed (apt-get install xvfb xdotool)")


@pytest.fixture()
def display() -> Iterator[str]:
    """A fresh Xvfb server; yields its DISPLAY name (":N")."""
    _need("Xvfb")
    _need("xdotool")
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    if not number:
        server.kill()
        pytest.fail("Xvfb did not start")
    yield f":{number}"
    server.terminate()
    server.wait(10)
