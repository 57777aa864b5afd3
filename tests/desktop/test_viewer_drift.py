"""The desktop viewer's drift monitor on a darkened video of FER2013 faces: one stored event of its session,
a notice and a banner in the window's image."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tests.conftest import write_video
from tests.web.test_monitoring import fer_frame

from emolens.data.facesets import load_faceset
from emolens.desktop import LiveOptions, LiveViewer
from emolens.monitoring.shifts import SHIFTS
from emolens.monitoring.watch import DriftWatch, WatchOptions
from emolens.session import SessionRecorder
from emolens.storage import Store
from emolens.vision.io import VideoSource


def test_the_viewer_raises_a_drift_event_on_a_darkened_video(
    tmp_path: Path, store: Store, analyzer, fer2013: Path
) -> None:
    faces = load_faceset(fer2013, "test")
    index = np.random.default_rng(3).choice(len(faces), 120, replace=False)
    frames = [SHIFTS["darken"](fer_frame(faces.images[i])[None], 0.4)[0] for i in index]
    video = write_video(tmp_path / "dark.avi", frames)
    lines: list[str] = []
    watch = DriftWatch(store, "desktop", WatchOptions(window=60, check_every=20, every=1))
    options = LiveOptions(scenario="Exam", out_dir=tmp_path / "out", window=False)
    recorder = SessionRecorder.start(store, "Exam", source="desktop")
    viewer = LiveViewer(analyzer, VideoSource(video), recorder, options, lines.append, is_file=True, watch=watch)
    summary = viewer.run()

    events = store.drift_events.list()
    assert len(events) == 1 and events[0].verdict == "drift", events
    assert events[0].session_id == summary.session.id and events[0].source == "desktop"
    assert {"brightness", "contrast"} & {f["feature"] for f in events[0].features}
    assert 0 < (events[0].at - recorder.session.started_at).total_seconds() < 12  # on the video's clock (10 FPS)
    assert watch.monitor.last_report is not None and watch.monitor.last_report.alarms()["brightness"] == "drift"
    notices = [line for line in lines if "input drift (drift)" in line]
    assert len(notices) == 1 and "Monitoring page" in notices[0]
    assert viewer.drift_banner is not None and viewer.drift_banner.startswith("input drift (drift)")
    image = viewer.render()
    assert image is not None and image[:10, :200].mean() < 40  # the banner's dark band across the top
