"""Putting a live session together: source, analyzer, store and viewer."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

from emolens.desktop.prefs import with_saved_settings
from emolens.desktop.viewer import LiveOptions, LiveViewer
from emolens.errors import EmolensError
from emolens.monitoring.watch import WatchOptions, start_watch
from emolens.session import SessionRecorder, SessionSummary
from emolens.storage import DEFAULT_HEARTBEAT_S, Heartbeat, Store, resolve_db_url
from emolens.vision.io import VideoSource
from emolens.vision.pipeline import Analyzer

__all__ = ["check_display", "is_file_source", "run_live"]

log = logging.getLogger(__name__)


def is_file_source(source: str) -> bool:
    """True for a video file path (not a camera index, not a URL)."""
    return not source.isdigit() and "://" not in source


def check_display() -> None:
    """Raise a clear error where no window can open (OpenCV's Qt would abort the process instead)."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise EmolensError(
            "no display to open a window on ($DISPLAY is not set): add --no-window, "
            "or run under a virtual display (xvfb-run emolens live ...)"
        )


def run_live(
    source: str,
    options: LiveOptions,
    db: str | None = None,
    analyzer: Analyzer | None = None,
    notify: Callable[[str], None] = log.info,
    data_folder: Path | None = None,
    heartbeat_s: float = DEFAULT_HEARTBEAT_S,
    monitoring: WatchOptions | None = None,
) -> SessionSummary:
    """Run one live session over ``source`` (camera index, video file or URL), stored in ``db``; its summary.

    Without ``db`` the records go to SQLite in ``data_folder`` (default: the user's data folder), as do face
    crops the saved settings turn on; the viewer says it is alive every ``heartbeat_s`` seconds.

    Score weights and face-crop saving left unset in ``options`` follow the web app's saved settings.
    ``monitoring`` turns on the drift monitor (source "desktop"; its events are stored with the session).
    """
    if options.window:
        check_display()
    video = VideoSource(source)
    analyzer = analyzer or Analyzer(small_faces="never")
    store = Store(resolve_db_url(db, data_folder))
    heartbeat: Heartbeat | None = None
    try:
        heartbeat = Heartbeat(store, "viewer", heartbeat_s).start()
        options = with_saved_settings(options, store, data_folder)
        recorder = SessionRecorder.start(store, options.scenario, source="desktop")
        model = getattr(analyzer.classifier, "path", None)
        watch = start_watch(store, "desktop", monitoring, str(model) if model else None)
        viewer = LiveViewer(
            analyzer, video, recorder, options, notify=notify, is_file=is_file_source(source), watch=watch
        )
        notify(f"session {recorder.session_id} ({options.scenario}); files go to {Path(viewer.folder)}")
        return viewer.run()
    finally:
        if heartbeat is not None:
            heartbeat.stop()
        video.close()
        store.close()
