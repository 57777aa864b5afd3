"""Real Chromium (Debian's) with a fake webcam playing a generated face video, against a real server.

Set EMOLENS_BENCH_OUT=file.json to keep the measured latency and FPS, EMOLENS_SCREENSHOTS=folder for
screenshots of every page.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest
from tests.conftest import write_y4m

from live_server import Server

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]


def drifting_face_frames(face_bgr: np.ndarray, frames: int = 30) -> list[np.ndarray]:
    """320x240 frames of a face drifting sideways and back."""
    face = cv2.resize(face_bgr, (200, 200), interpolation=cv2.INTER_AREA)
    out = []
    for i in range(frames):
        canvas = np.full((240, 320, 3), 70, np.uint8)
        x = 20 + (i % 15) * 5 if i < 15 else 20 + (30 - i) * 5
        canvas[20:220, x : x + 200] = face
        out.append(canvas)
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing in CI: .ci/run must apt-get install chromium")
        pytest.skip("browser tests need Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    from skimage.data import astronaut

    video = write_y4m(
        tmp_path_factory.mktemp("cam") / "face.y4m", drifting_face_frames(cv2.cvtColor(astronaut(), cv2.COLOR_RGB2BGR))
    )
    with sync_playwright() as p:
        args = [*FLAGS, f"--use-file-for-fake-video-capture={video}"]
        instance = p.chromium.launch(executable_path=CHROMIUM, args=args)
        yield instance
        instance.close()


def _shot(page: object, name: str) -> None:
    folder = os.environ.get("EMOLENS_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_live_session_end_to_end(browser: object, server: Server) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 860})  # type: ignore[attr-defined]
    page.goto(server.url + "/")
    page.select_option('[data-testid="scenario"]', "Interview")
    page.click('[data-testid="start"]')
    page.wait_for_function("window.emolensLive.boxesDrawn >= 3", timeout=60_000)
    page.wait_for_function("window.emolensLive.frames >= 40", timeout=120_000)
    _shot(page, "live")
    stats = page.evaluate("({...window.emolensLive, summary: null})")
    page.click('[data-testid="stop"]')
    page.wait_for_selector('[data-testid="summary"]:not([hidden])', timeout=30_000)
    _shot(page, "live-summary")
    session_id = stats["sessionId"]
    assert "observations" in page.inner_text('[data-testid="summary-line"]')
    pixels = page.evaluate(
        "Array.from(document.getElementById('overlay').getContext('2d')"
        ".getImageData(0, 0, 640, 480).data.filter((v, i) => i % 4 === 3 && v > 0)).length"
    )
    assert pixels > 500, "no box was drawn on the overlay"

    with sqlite3.connect(server.db_path) as db:
        count, faces, emotions = db.execute(
            "SELECT count(*), sum(frames), group_concat(DISTINCT emotion) FROM observations WHERE session_id = ?",
            (session_id,),
        ).fetchone()
        ended = db.execute("SELECT ended_at FROM sessions WHERE id = ?", (session_id,)).fetchone()[0]
    assert faces >= 35 and count < faces and ended is not None and "happy" in emotions  # per-track samples

    page.goto(f"{server.url}/analytics?session_id={session_id}")
    page.wait_for_function("document.getElementById('rows').children.length > 0", timeout=30_000)
    assert f"{faces} observations" in page.inner_text('[data-testid="total"]')
    # every emotion is named with an icon drawn by the page, not an emoji glyph the fonts may lack
    drawn = page.eval_on_selector_all(
        "svg.emotion-icon", "icons => icons.map(i => [i.getAttribute('aria-label'), i.getBoundingClientRect().width])"
    )
    assert {name for name, width in drawn if width > 0} >= {"angry", "disgust", "fear", "happy", "sad", "surprise"}
    assert not any(glyph in page.content() for glyph in ("\U0001f922", "\U0001f620", "\U0001f604"))
    _shot(page, "analytics")
    page.goto(f"{server.url}/advice?session={session_id}")
    page.wait_for_function("document.getElementById('tips').children.length > 0", timeout=30_000)
    assert "happy" in page.inner_text('[data-testid="dominant"]')
    _shot(page, "advice")
    _report(stats)


def _report(stats: dict[str, object]) -> None:
    latencies = sorted(stats["latenciesMs"])[5:]  # type: ignore[index]
    figures = {
        "frames": stats["frames"],
        "fps": round(float(stats["fps"]), 2),  # type: ignore[arg-type]
        "latency_ms_median": round(float(np.median(latencies)), 1),
        "latency_ms_p95": round(float(np.percentile(latencies, 95)), 1),
        "server_ms_median": round(float(np.median(stats["serverMs"])), 1),  # type: ignore[arg-type]
    }
    out = os.environ.get("EMOLENS_BENCH_OUT")
    if out:
        Path(out).write_text(json.dumps(figures, indent=2) + "\n")
    assert figures["fps"] > 0 and figures["latency_ms_median"] > 0


def test_other_pages_render_and_dark_mode(
    browser: object, server: Server, astronaut_bgr: np.ndarray, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 860})  # type: ignore[attr-defined]
    image = tmp_path / "astronaut.jpg"
    cv2.imwrite(str(image), astronaut_bgr)
    page.goto(server.url + "/upload")
    page.set_input_files('[data-testid="files"]', [str(image), str(image)])
    page.click('[data-testid="upload"]')
    page.wait_for_selector('[data-testid="results"] img', timeout=60_000)
    assert "happy" in page.inner_text('[data-testid="results"]')
    _shot(page, "upload")
    page.goto(server.url + "/settings")
    page.wait_for_selector('[data-testid="delete-session"]', timeout=30_000)
    _shot(page, "settings")
    page.click('[data-testid="theme"]')
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    page.reload()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    _shot(page, "settings-dark")


def test_lowering_retention_asks_first(browser: object, server: Server, astronaut_bgr: np.ndarray) -> None:
    jpeg = cv2.imencode(".jpg", astronaut_bgr)[1].tobytes()
    with server.client() as client:
        for name in ("Older", "Newer"):
            client.post("/api/uploads", files={"files": (f"{name}.jpg", jpeg, "image/jpeg")}, data={"scenario": name})
        before = client.get("/api/sessions").json()
    doomed = [s for s in before if s["observation_count"] and s["ended_at"]][1:]
    page = browser.new_page()  # type: ignore[attr-defined]
    questions: list[str] = []
    answers = iter([False, True])  # first "Cancel", then "OK"

    def answer(dialog: object) -> None:
        questions.append(dialog.message)  # type: ignore[attr-defined]
        if next(answers):
            dialog.accept()  # type: ignore[attr-defined]
        else:
            dialog.dismiss()  # type: ignore[attr-defined]

    page.on("dialog", answer)
    page.goto(server.url + "/settings")
    page.wait_for_selector('[data-testid="delete-session"]', timeout=30_000)
    page.fill('[data-testid="retention"]', "1")
    page.click('[data-testid="save-settings"]')
    page.wait_for_function("document.getElementById('saved').textContent.startsWith('Not saved')", timeout=30_000)
    observations = sum(s["observation_count"] for s in doomed)
    assert f"deletes {len(doomed)} older session(s) with {observations} observation(s)" in questions[0]
    assert httpx.get(server.url + "/api/sessions").json() == before
    assert page.input_value('[data-testid="samples"]') == "2"
    page.fill('[data-testid="samples"]', "0.5")
    page.click('[data-testid="save-settings"]')
    page.wait_for_function("document.getElementById('saved').textContent === 'Saved.'", timeout=30_000)
    assert httpx.get(server.url + "/api/settings").json()["samples_per_second"] == 0.5
    kept = [s["scenario"] for s in httpx.get(server.url + "/api/sessions").json() if s["observation_count"]]
    assert len(questions) == 2 and kept == ["Newer"]
