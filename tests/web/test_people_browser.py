"""The People page in real Chromium: enrol from webcam captures and a photo file, count per person, remove."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from test_browser import CHROMIUM, FLAGS
from tests.conftest import side_by_side, write_y4m

from live_server import Server

pytestmark = pytest.mark.browser


def _frames(face_bgr: np.ndarray, frames: int = 20) -> list[np.ndarray]:
    """640x480 webcam frames of a 400 px photo drifting sideways (a face of ~80 px, enough to enrol)."""
    face = cv2.resize(face_bgr, (400, 400), interpolation=cv2.INTER_AREA)
    out = []
    for i in range(frames):
        canvas = np.full((480, 640, 3), 70, np.uint8)
        canvas[40:440, 60 + 6 * i : 460 + 6 * i] = face
        out.append(canvas)
    return out


@pytest.fixture(scope="module")
def people_browser(tmp_path_factory: pytest.TempPathFactory, astronaut_bgr: np.ndarray) -> Iterator[object]:
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing in CI: .ci/run must apt-get install chromium")
        pytest.skip("browser tests need Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    video = write_y4m(tmp_path_factory.mktemp("cam") / "face.y4m", _frames(astronaut_bgr))
    with sync_playwright() as p:
        args = [*FLAGS, f"--use-file-for-fake-video-capture={video}"]
        instance = p.chromium.launch(executable_path=CHROMIUM, args=args)
        yield instance
        instance.close()


def test_enrol_count_and_remove_on_the_people_page(
    people_browser: object, server: Server, tmp_path: Path, astronaut_bgr: np.ndarray, hopper_bgr: np.ndarray
) -> None:
    page = people_browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(server.url + "/people")
    page.click('[data-testid="camera"]')
    page.wait_for_function("document.getElementById('preview').videoWidth > 0", timeout=30_000)
    for n in (1, 2):
        page.wait_for_timeout(400)  # another frame of the drifting video: captures of one frame enrol once
        page.click('[data-testid="snap"]')
        page.wait_for_function(f"document.getElementById('captures').textContent.startsWith('{n} ')")
    page.fill('[data-testid="person-name"]', "Eileen")
    page.click('[data-testid="enrol"]')
    page.wait_for_function(
        "document.getElementById('enrol-status').textContent.startsWith('Enrolled Eileen')", timeout=60_000
    )
    assert "2 embedding(s)" in page.inner_text('[data-testid="enrol-status"]')

    photo = tmp_path / "grace.jpg"
    cv2.imwrite(str(photo), hopper_bgr)
    page.fill('[data-testid="person-name"]', "Grace")
    page.set_input_files('[data-testid="person-photos"]', str(photo))
    page.click('[data-testid="enrol"]')
    page.wait_for_selector('[data-testid="people"] button[data-person="Grace"]', timeout=60_000)

    page.click('[data-testid="count-start"]')
    jpeg = cv2.imencode(".jpg", side_by_side(astronaut_bgr, hopper_bgr))[1]
    with server.client() as client:
        assert client.post("/api/uploads", files=[("files", ("group.jpg", jpeg.tobytes(), "image/jpeg"))]).is_success
    page.wait_for_selector('[data-testid="person-stats"] tr[data-person="Grace"]', timeout=30_000)
    page.click('[data-testid="count-stop"]')
    page.wait_for_function("document.getElementById('count-status').textContent.startsWith('Final')")
    row = page.inner_text('[data-testid="person-stats"] tr[data-person="Eileen"]')
    assert row.startswith("Eileen") and row.split()[-1] == "100"  # one happy face: the top score

    page.click('[data-testid="people"] button[data-person="Grace"]')
    page.wait_for_selector('[data-testid="people"] button[data-person="Grace"]', state="detached")
    # the statistics table refreshes on its own timer: wait for Grace's row to go, fail if it stays
    page.wait_for_selector('[data-testid="person-stats"] tr[data-person="Grace"]', state="detached", timeout=30_000)
