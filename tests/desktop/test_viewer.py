"""LiveViewer without a window on a real video: statistics, stored rows, exports, pause and reset."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import time
from pathlib import Path

import numpy as np
from sqlalchemy import text
from tests.desktop.conftest import EMOLENS, face_video

from emolens.desktop import LiveOptions, LiveViewer
from emolens.desktop.panel import PANEL_WIDTH
from emolens.session import SessionRecorder
from emolens.storage import Heartbeat, ObservationFilter, Store
from emolens.vision.io import VideoSource


def _viewer(tmp_path: Path, store: Store, tiny_analyzer, video: Path, **options) -> LiveViewer:
    opts = LiveOptions(scenario="Exam", out_dir=tmp_path / "out", window=False, **options)
    return LiveViewer(tiny_analyzer, VideoSource(video), SessionRecorder.start(store, "Exam"), opts, is_file=True)


def test_a_session_without_window_is_counted_stored_and_summarised(
    tmp_path: Path, store: Store, tiny_analyzer, astronaut_bgr: np.ndarray
) -> None:
    video = face_video(tmp_path / "v.avi", astronaut_bgr, 30)
    viewer = _viewer(tmp_path, store, tiny_analyzer, video)
    summary = viewer.run()
    assert summary.run is not None and summary.session.observation_count == 30
    assert summary.run.frames == 30 and summary.run.observations == 30 and summary.counts["happy"] == 30
    assert summary.dominant == "happy" and summary.shares["happy"] == 1.0 and summary.trending == []
    assert summary.run.fps_mean > 0 and summary.session.source == "desktop" and summary.session.scenario == "Exam"
    rows = store.query_observations(ObservationFilter(session_id=summary.session.id))
    assert sum(r.frames for r in rows) == 30 and {r.source for r in rows} == {"desktop"}
    # frame times follow the video's clock: 30 frames at 10 FPS make 6 half-second samples of 5 frames
    assert [r.frames for r in rows] == [5] * 6
    assert (rows[-1].timestamp - rows[0].timestamp).total_seconds() == 2.5
    saved = json.loads((viewer.folder / "summary.json").read_text())
    assert saved["session"]["id"] == summary.session.id and saved["counts"] == summary.counts
    assert saved["run"]["frames"] == 30 and saved["advice"]["tips"] == summary.advice.tips != []
    text = (viewer.folder / "summary.txt").read_text()
    assert text.startswith("SESSION SUMMARY") and "observations 30 (30 stored in sqlite" in text
    assert store.get_session(summary.session.id).ended_at == summary.session.ended_at


def test_keys_actions_export_screenshot_reset_and_pause(
    tmp_path: Path, store: Store, tiny_analyzer, astronaut_bgr: np.ndarray
) -> None:
    video = face_video(tmp_path / "v.avi", astronaut_bgr, 12)
    viewer = _viewer(tmp_path, store, tiny_analyzer, video)
    frames = iter(viewer.source)
    for _ in range(5):
        viewer._step(frames)
    viewer.toggle_pause()
    for _ in range(3):
        viewer._step(frames)  # paused: no frame is read
    assert viewer.session_stats.frames == 5
    shot = viewer.screenshot()
    assert shot is not None and shot.name == "screenshot-001.png"
    export = viewer.export_csv()
    assert export is not None
    with export.open() as handle:
        assert sum(int(row["frames"]) for row in csv.DictReader(handle)) == 5
    viewer.reset()
    viewer.toggle_pause()
    viewer._step(frames)
    assert viewer.view_stats.frames == 1 and viewer.session_stats.frames == 6
    image = viewer.render()
    assert image is not None and image.shape == (480, 640 + PANEL_WIDTH, 3)
    summary = viewer.run()  # the rest of the video
    assert summary.run is not None and summary.run.frames == 12 and summary.run.resets == 1
    assert summary.run.files == {"screenshots": [str(shot)], "csv exports": [str(export)]}


def test_face_crops_are_off_by_default_and_saved_when_asked(
    tmp_path: Path, store: Store, tiny_analyzer, astronaut_bgr: np.ndarray
) -> None:
    video = face_video(tmp_path / "v.avi", astronaut_bgr, 10)
    _viewer(tmp_path, store, tiny_analyzer, video).run()
    assert not list(tmp_path.rglob("*.jpg"))
    summary = _viewer(tmp_path, store, tiny_analyzer, video, save_faces=tmp_path / "faces", save_every=4).run()
    crops = sorted((tmp_path / "faces").rglob("*.jpg"))
    assert len(crops) == 3  # frames 1, 5 and 9
    assert {c.parent.name for c in crops} == {"happy"} and summary.run is not None
    assert sorted(summary.run.files["face crops"]) == [str(c) for c in crops]


def test_a_database_failure_mid_session_neither_stops_the_viewer_nor_loses_frames(
    tmp_path: Path, store: Store, tiny_analyzer, astronaut_bgr: np.ndarray
) -> None:
    video = face_video(tmp_path / "v.avi", astronaut_bgr, 8)
    viewer = _viewer(tmp_path, store, tiny_analyzer, video)
    frames = iter(viewer.source)
    for _ in range(3):
        viewer._step(frames)
    with store.engine.begin() as connection:
        connection.execute(text("DROP TABLE observations"))
    lines: list[str] = []
    viewer.notify = lines.append
    assert viewer.export_csv() is None and "could not export the CSV" in lines[-1]
    summary = viewer.run()
    assert summary.run is not None and summary.run.frames == summary.run.observations == 8
    assert summary.counts["happy"] == 8 and summary.session.observation_count == 0  # counted, though none stored
    with (viewer.folder / "unsaved-observations.csv").open() as handle:
        assert sum(int(row["frames"]) for row in csv.DictReader(handle)) == 8


def test_a_killed_viewers_session_is_ended_by_the_next_owner(
    tmp_path: Path, db_file: Path, astronaut_bgr: np.ndarray
) -> None:
    video = face_video(tmp_path / "long.avi", astronaut_bgr, 600)
    env = {**os.environ, "EMOLENS_HEARTBEAT_S": "0.2", "EMOLENS_DATA_DIR": str(tmp_path / "data")}
    args = [EMOLENS, "live", "--source", str(video), "--no-window", "--db", str(db_file), "--out", str(tmp_path)]
    viewer = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    store = Store(f"sqlite:///{db_file}")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not [s for s in store.list_sessions() if s.observation_count]:
            time.sleep(0.2)
        [session] = store.list_sessions()
        with store.engine.connect() as conn:
            kind = conn.execute(
                text("SELECT o.kind FROM owners o JOIN sessions s ON s.owner_id = o.id WHERE s.id = :id"),
                {"id": session.id},
            ).scalar()
        assert kind == "viewer" and session.ended_at is None
    finally:
        viewer.kill()
        viewer.wait(timeout=10)
    beat = Heartbeat(store, "viewer", interval_s=0.2).start()
    try:
        deadline = time.monotonic() + 10
        while store.get_session(session.id).ended_at is None and time.monotonic() < deadline:
            time.sleep(0.1)
        ended = store.get_session(session.id)
        last = store.query_observations(ObservationFilter(session_id=session.id))[-1].timestamp
        assert ended.ended_at == last and ended.observation_count > 0
    finally:
        beat.stop()
        store.close()
