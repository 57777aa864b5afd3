"""Drawing the viewer: the statistics panel, the distribution bars, the 10-second trend and banners."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from emolens.desktop.keys import KEY_HELP
from emolens.session.stats import LiveStats
from emolens.vision.annotate import COLORS_BGR, draw_emoji

__all__ = ["PANEL_WIDTH", "PanelInfo", "compose", "draw_banner", "draw_panel"]

PANEL_WIDTH = 320
MIN_HEIGHT = 480
MAX_FRAME_HEIGHT = 720
MAX_PEOPLE_ROWS = 8
_BG = (32, 30, 28)
_TEXT = (235, 235, 235)
_DIM = (150, 150, 150)
_FONT = cv2.FONT_HERSHEY_SIMPLEX


@dataclass(frozen=True)
class PanelInfo:
    """What the panel shows besides the statistics themselves."""

    scenario: str
    elapsed_s: float
    fps: float
    score: float | None = None
    paused: bool = False
    ended: bool = False


def _text(
    canvas: np.ndarray,
    text: str,
    xy: tuple[int, int],
    scale: float = 0.5,
    color: tuple[int, int, int] = _TEXT,
    thick: int = 1,
) -> None:
    cv2.putText(canvas, text, xy, _FONT, scale, color, thick, cv2.LINE_AA)


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def _draw_header(canvas: np.ndarray, stats: LiveStats, info: PanelInfo) -> int:
    _text(canvas, "emolens live", (12, 26), 0.7, _TEXT, 2)
    _text(canvas, info.scenario[:28], (12, 48), 0.45, _DIM)
    _text(canvas, f"FPS {info.fps:5.1f}", (200, 26), 0.55, (120, 230, 120), 1)
    lines = [
        f"time {_clock(info.elapsed_s)}   frames {stats.frames}",
        f"faces {stats.faces_now} (max {stats.max_faces})   obs {stats.observations}",
    ]
    mean = stats.mean_confidence
    score = "-" if info.score is None else f"{info.score:.0f}/100"
    lines.append(f"mean conf {'-' if mean is None else f'{mean:.0%}'}   score {score}")
    for i, line in enumerate(lines):
        _text(canvas, line, (12, 74 + 22 * i), 0.45)
    dominant = stats.dominant()
    y = 74 + 22 * len(lines) + 6
    if dominant is not None:
        draw_emoji(canvas, dominant, (22, y), 10)
    _text(canvas, f"dominant: {dominant.value if dominant else '-'}", (40, y + 5), 0.5, _TEXT, 1)
    return y + 22


def _draw_bars(canvas: np.ndarray, stats: LiveStats, top: int) -> int:
    _text(canvas, "distribution", (12, top + 12), 0.5, _DIM)
    shares = stats.shares()
    bar_x, bar_w = 86, 170
    for i, emotion in enumerate(stats.labels):
        y = top + 24 + 20 * i
        _text(canvas, emotion.value, (12, y + 12), 0.42)
        cv2.rectangle(canvas, (bar_x, y + 2), (bar_x + bar_w, y + 14), (60, 58, 56), -1)
        width = round(bar_w * shares[emotion])
        if width:
            cv2.rectangle(canvas, (bar_x, y + 2), (bar_x + width, y + 14), COLORS_BGR[emotion], -1)
        _text(canvas, f"{shares[emotion]:4.0%}", (bar_x + bar_w + 6, y + 13), 0.4)
    return top + 24 + 20 * len(stats.labels) + 4


def _draw_trend(canvas: np.ndarray, stats: LiveStats, top: int, chart_h: int = 70) -> int:
    _text(canvas, f"last {stats.window_s:.0f} s", (12, top + 12), 0.5, _DIM)
    buckets = stats.trend_buckets()
    left, width = 12, PANEL_WIDTH - 24
    base = top + 22 + chart_h
    cv2.rectangle(canvas, (left, top + 22), (left + width, base), (44, 42, 40), -1)
    peak = max((sum(b.values()) for b in buckets), default=0) or 1
    column = width / len(buckets)
    for i, bucket in enumerate(buckets):
        y = base
        for emotion in stats.labels:
            h = round(chart_h * bucket[emotion] / peak)
            if h:
                x1 = int(left + i * column + 1)
                cv2.rectangle(canvas, (x1, y - h), (int(x1 + column - 2), y), COLORS_BGR[emotion], -1)
                y -= h
    recent = stats.dominant(stats.recent_counts())
    rising = stats.trending()
    line = f"now {recent.value if recent else '-'}   rising {rising.value if rising else '-'}"
    _text(canvas, line, (12, base + 20), 0.45)
    return base + 28


def _draw_people(canvas: np.ndarray, stats: LiveStats, top: int) -> None:
    _text(canvas, "people", (12, top + 12), 0.5, _DIM)
    for i, (name, counts) in enumerate(sorted(stats.person_counts.items())[:MAX_PEOPLE_ROWS]):
        y = top + 32 + 20 * i
        dominant = stats.dominant(counts)
        if dominant is not None:
            draw_emoji(canvas, dominant, (20, y - 4), 7)
        line = f"{name[:16]:<16} {sum(counts.values()):>5}  {dominant.value if dominant else '-'}"
        _text(canvas, line, (32, y), 0.42)


def _people_height(stats: LiveStats) -> int:
    rows = min(len(stats.person_counts), MAX_PEOPLE_ROWS)
    return 24 + 20 * rows if rows else 0


def draw_panel(stats: LiveStats, info: PanelInfo, height: int) -> np.ndarray:
    """The statistics panel, PANEL_WIDTH x ``height`` BGR (taller when people are named): counters, FPS,
    distribution bars, trend, one row per enrolled person seen (observations, dominant emotion) and keys."""
    canvas = np.full((max(height, MIN_HEIGHT + _people_height(stats)), PANEL_WIDTH, 3), _BG, np.uint8)
    y = _draw_header(canvas, stats, info)
    y = _draw_bars(canvas, stats, y)
    y = _draw_trend(canvas, stats, y)
    if stats.person_counts:
        _draw_people(canvas, stats, y)
    help_y = canvas.shape[0] - 12
    _text(canvas, KEY_HELP, (8, help_y), 0.36, _DIM)
    return canvas


def draw_banner(image: np.ndarray, text: str) -> None:
    """Write ``text`` in a dark band across the top of ``image``, in place (smaller type where it is narrow)."""
    scale = 0.7
    (tw, th), _ = cv2.getTextSize(text, _FONT, scale, 2)
    if tw > image.shape[1] - 8:
        scale *= (image.shape[1] - 8) / tw
        (tw, th), _ = cv2.getTextSize(text, _FONT, scale, 2)
    cv2.rectangle(image, (0, 0), (image.shape[1], th + 16), (0, 0, 0), -1)
    _text(image, text, (max(4, (image.shape[1] - tw) // 2), th + 8), scale, (80, 220, 250), 2)


def compose(frame: np.ndarray, panel_for: PanelInfo, stats: LiveStats) -> np.ndarray:
    """The window's image: the (annotated) frame, scaled to 480-720 px high, with the panel on its right."""
    height = min(max(frame.shape[0], MIN_HEIGHT), MAX_FRAME_HEIGHT)
    if height != frame.shape[0]:
        scale = height / frame.shape[0]
        method = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        frame = cv2.resize(frame, (round(frame.shape[1] * scale), height), interpolation=method)
    panel = draw_panel(stats, panel_for, frame.shape[0])
    canvas = np.zeros((panel.shape[0], frame.shape[1] + PANEL_WIDTH, 3), np.uint8)
    canvas[: frame.shape[0], : frame.shape[1]] = frame
    canvas[:, frame.shape[1] :] = panel
    if panel_for.paused:
        draw_banner(canvas[:, : frame.shape[1]], "PAUSED - SPACE to resume")
    elif panel_for.ended:
        draw_banner(canvas[:, : frame.shape[1]], "end of source - q to quit")
    return canvas
