"""The live viewer's run loop: read, analyse, count, store, draw, and answer the keys."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np

from emolens.analytics import OTHER_WEIGHT, confidence_score
from emolens.desktop.keys import Action, action_for_key
from emolens.desktop.panel import PanelInfo, compose, draw_banner
from emolens.errors import SourceError, StorageError
from emolens.monitoring.watch import DriftWatch
from emolens.session import (
    FaceCropSaver,
    FpsMeter,
    LiveStats,
    ObservationRow,
    RunFacts,
    SessionRecorder,
    SessionSummary,
    UserSettings,
    summarize_run,
    write_csv,
)
from emolens.storage.facefiles import session_folder
from emolens.types import FrameResult
from emolens.vision.annotate import annotate
from emolens.vision.io import Frame, VideoSource
from emolens.vision.pipeline import Analyzer

__all__ = ["LiveOptions", "LiveViewer"]

log = logging.getLogger(__name__)

WINDOW = "emolens live"


@dataclass(frozen=True)
class LiveOptions:
    """How a live session runs.

    ``realtime`` plays a video file at its own frame rate in the window (off: as fast as analysis allows;
    always off without a window). ``save_faces`` turns on face-crop saving (into its ``<session id>``
    folder), one frame in ``save_every`` (None: the user settings' default). ``weights`` and
    ``other_weight`` make the confidence score (None: the default weights).
    """

    scenario: str = "Online Class"
    out_dir: Path = Path("emolens-live")
    window: bool = True
    realtime: bool = True
    save_faces: Path | None = None
    save_every: int | None = None
    window_s: float = 10.0
    weights: Mapping[str, float] | None = None
    other_weight: float = OTHER_WEIGHT


class LiveViewer:
    """One live session over one source; ``run()`` returns its summary (also saved in the session folder).

    ``notify`` receives one line per user-visible event (screenshot saved, CSV exported, drift, ...);
    ``watch``, when given, tests the faces for drift and its alarms show as a banner until the verdict clears.
    """

    def __init__(
        self,
        analyzer: Analyzer,
        source: VideoSource,
        recorder: SessionRecorder,
        options: LiveOptions,
        notify: Callable[[str], None] = log.info,
        is_file: bool = False,
        watch: DriftWatch | None = None,
    ):
        self.analyzer, self.source, self.recorder, self.options = analyzer, source, recorder, options
        self.notify = notify
        self.is_file = is_file
        self.watch = watch
        self.drift_banner: str | None = None
        self.started_at = recorder.session.started_at
        self.folder = options.out_dir / f"{self.started_at:%Y%m%d-%H%M%S}-{recorder.session_id[:8]}"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.session_stats = LiveStats(options.window_s, analyzer.labels)
        self.view_stats = LiveStats(options.window_s, analyzer.labels)
        self.fps = FpsMeter()
        every = options.save_every or UserSettings().crop_every_n_frames
        self.crops = (
            FaceCropSaver(session_folder(options.save_faces, recorder.session_id), every)
            if options.save_faces
            else None
        )
        self.files: dict[str, list[str]] = {}
        self.paused = self.ended = self.quit = False
        self.resets = 0
        self._tracker = analyzer.new_tracker()
        self._clock_origin = time.monotonic()  # moved forward by every pause, so the clock skips paused time
        self._last_frame_s = self._clock_origin
        self._paused_since: float | None = None
        self._shown: tuple[np.ndarray, FrameResult] | None = None
        self._toast: tuple[str, float] | None = None

    # the loop -------------------------------------------------------------------------------------------

    def run(self) -> SessionSummary:
        """Run until q (or Esc, or the window closed), the end of the source without a window, or Ctrl+C."""
        frames = iter(self.source)
        if self.options.window:
            cv2.namedWindow(WINDOW, cv2.WINDOW_AUTOSIZE)
        self._clock_origin = self._last_frame_s = time.monotonic()
        failure: SourceError | None = None
        try:
            while not self.quit:
                self._step(frames)
        except KeyboardInterrupt:
            self.notify("interrupted: saving the session")
        except SourceError as exc:
            failure = exc
            self.notify(f"the source failed: {exc}; saving the session")
        finally:
            self.source.close()
            if self.options.window:
                cv2.destroyWindow(WINDOW)
        summary = self.finish()
        if failure is not None and self.session_stats.frames == 0:
            raise failure
        return summary

    def _step(self, frames: Iterator[Frame]) -> None:
        fresh = False
        if not (self.paused or self.ended):
            frame = next(frames, None)
            fresh = frame is not None
            if frame is None:
                self.ended = True
                self.quit = not self.options.window
                self.notify("end of source" + (": press q to quit and save" if self.options.window else ""))
            else:
                self._process(frame)
        if self.options.window and not self.quit:
            self._show()
            self._handle(action_for_key(cv2.waitKey(self._wait_ms() if fresh else 30)))
            if cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) < 1:
                self.quit = True

    def _process(self, frame: Frame) -> None:
        result = self.analyzer.analyze_frame(frame, self._tracker)
        time_s = frame.timestamp_s if self.is_file else self._live_seconds()
        when = self.started_at + timedelta(seconds=time_s)
        for stats in (self.session_stats, self.view_stats):
            stats.add(time_s, result.predictions)
        self.recorder.add(result.predictions, when)
        if self.watch is not None:
            self._watch(self.watch, frame, result, when)
        if self.crops:
            self._note_files("face crops", self.crops.offer(frame.image, result.predictions, when))
        now = self._last_frame_s = time.monotonic()
        self.fps.tick(now)
        self._shown = (frame.image, result)

    def _watch(self, watch: DriftWatch, frame: Frame, result: FrameResult, when: datetime) -> None:
        """Feed the drift monitor; an alarm is announced once and bannered until a check comes back ok."""
        event = watch.observe(frame.image, [p.face for p in result.predictions], self.recorder.session_id, when)
        if event is not None:
            names = ", ".join(f["feature"] for f in event.features)
            self.drift_banner = f"input drift ({event.verdict}): {names}"
            self.notify(f"{self.drift_banner}; see the web app's Monitoring page")
        elif watch.monitor.verdict == "ok":
            self.drift_banner = None

    def _wait_ms(self) -> int:
        """How long to wait for keys after a new frame: until the next frame is due for a paced file, else 1 ms."""
        if not (self.is_file and self.options.realtime and self._shown):
            return 1
        due = self._clock_origin + self._shown[1].timestamp_s + 1 / self.source.fps
        return max(1, int((due - time.monotonic()) * 1000))

    def _live_seconds(self) -> float:
        return time.monotonic() - self._clock_origin

    # drawing ---------------------------------------------------------------------------------------------

    def render(self) -> np.ndarray | None:
        """The window's current image (annotated frame plus panel); None before the first frame."""
        if self._shown is None:
            return None
        image, result = self._shown
        counts = {e.value: n for e, n in self.view_stats.counts.items()}
        info = PanelInfo(
            scenario=self.options.scenario,
            elapsed_s=self._elapsed_s(),
            fps=0.0 if self.paused else self.fps.fps,
            score=confidence_score(counts, self.options.weights, self.options.other_weight),
            paused=self.paused,
            ended=self.ended,
        )
        canvas = compose(annotate(image, result.predictions), info, self.view_stats)
        if self.drift_banner:
            draw_banner(canvas, self.drift_banner)
        if self._toast and self._toast[1] > time.monotonic():
            cv2.putText(
                canvas,
                self._toast[0],
                (10, canvas.shape[0] - 12),
                cv2.FONT_HERSHEY_SIMPLEX,
                0.5,
                (80, 220, 250),
                1,
                cv2.LINE_AA,
            )
        return canvas

    def _show(self) -> None:
        canvas = self.render()
        if canvas is not None:
            cv2.imshow(WINDOW, canvas)

    def _elapsed_s(self) -> float:
        if self.is_file and self._shown is not None:
            return self._shown[1].timestamp_s
        return self._live_seconds()

    # keys --------------------------------------------------------------------------------------------------

    def _handle(self, action: Action | None) -> None:
        if action is None:
            return
        handlers = {
            Action.QUIT: self._quit,
            Action.SCREENSHOT: self.screenshot,
            Action.EXPORT: self.export_csv,
            Action.RESET: self.reset,
            Action.PAUSE: self.toggle_pause,
        }
        handlers[action]()

    def _quit(self) -> None:
        self.quit = True

    def screenshot(self) -> Path | None:
        """Save the window's current image as screenshot-NNN.png in the session folder."""
        canvas = self.render()
        if canvas is None:
            return None
        path = self._numbered("screenshot", "png")
        cv2.imwrite(str(path), canvas)
        self._announce("screenshots", path, f"screenshot saved: {path}")
        return path

    def export_csv(self) -> Path | None:
        """Write every observation of the session so far to observations-NNN.csv in the session folder.

        None when the database cannot be read: the session goes on and keeps its queued observations.
        """
        path = self._numbered("observations", "csv")
        try:
            records = self.recorder.observations()
        except StorageError as exc:
            self.notify(f"could not export the CSV: {exc}")
            return None
        rows = write_csv(path, map(ObservationRow.of_record, records))
        self._announce("csv exports", path, f"exported {rows} observations to {path}")
        return path

    def reset(self) -> None:
        """Clear the panel's statistics; the session and its stored observations go on untouched."""
        self.view_stats.reset()
        self.resets += 1
        self._toast = ("statistics reset", time.monotonic() + 2)
        self.notify("statistics reset (the stored session keeps every observation)")

    def toggle_pause(self) -> None:
        """Stop reading frames, or go on; paused time counts neither in the clock nor in the FPS."""
        if self.ended:
            return
        now = time.monotonic()
        self.paused = not self.paused
        if self.paused:
            self._paused_since = now
        else:
            self._clock_origin += now - (self._paused_since or now)
            self._paused_since = None
            self.fps.clear()
        self.notify("paused" if self.paused else "resumed")

    def _numbered(self, stem: str, suffix: str) -> Path:
        index = len(self.files.get({"png": "screenshots", "csv": "csv exports"}[suffix], [])) + 1
        return self.folder / f"{stem}-{index:03d}.{suffix}"

    def _announce(self, kind: str, path: Path, message: str) -> None:
        self._note_files(kind, [path])
        self._toast = (f"saved {path.name}", time.monotonic() + 2)
        self.notify(message)

    def _note_files(self, kind: str, paths: list[Path]) -> None:
        if paths:
            self.files.setdefault(kind, []).extend(str(p) for p in paths)

    def _mean_fps(self) -> float:
        """Frames per second from the start to the last frame, paused time left out."""
        active_s = self._last_frame_s - self._clock_origin
        return round(self.session_stats.frames / active_s, 2) if active_s > 0 else 0.0

    # the end -----------------------------------------------------------------------------------------------

    def finish(self) -> SessionSummary:
        """Store what is queued, end the session, and save the summary (summary.json and summary.txt)."""
        record = self.recorder.close(self.folder / "unsaved-observations.csv")
        ended_at = record.ended_at or datetime.now(UTC)
        run = RunFacts(
            frames=self.session_stats.frames,
            observations=self.session_stats.observations,
            max_faces=self.session_stats.max_faces,
            fps_mean=self._mean_fps(),
            duration_s=round((ended_at - self.started_at).total_seconds(), 2),
            resets=self.resets,
            database=self.recorder.store.safe_url,
            files=self.files,
        )
        summary = summarize_run(self.session_stats, record, run, self.options.weights, self.options.other_weight)
        summary.save(self.folder)
        return summary
