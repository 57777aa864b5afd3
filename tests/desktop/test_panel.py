"""The panel and window image: sizes, bars drawn in proportion, banners."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from tests.session.test_stats import pred

from emolens.desktop.panel import PANEL_WIDTH, PanelInfo, compose, draw_panel
from emolens.session.stats import LiveStats
from emolens.types import Emotion
from emolens.vision.annotate import COLORS_BGR


def _bar_pixels(panel: np.ndarray, emotion: Emotion) -> int:
    """How many pixels of the panel carry ``emotion``'s bar colour."""
    return int(np.all(panel == np.array(COLORS_BGR[emotion], np.uint8), axis=2).sum())


def test_bars_are_drawn_in_proportion_to_the_shares() -> None:
    stats = LiveStats()
    for t in range(4):
        stats.add(float(t), [pred(Emotion.HAPPY if t < 3 else Emotion.ANGRY)])
    empty = _bar_pixels(draw_panel(LiveStats(), PanelInfo("Exam", 0.0, 0.0), 480), Emotion.HAPPY)
    panel = draw_panel(stats, PanelInfo("Exam", 4.0, 25.0, score=75.0), 480)
    assert panel.shape == (480, PANEL_WIDTH, 3)
    happy, angry = _bar_pixels(panel, Emotion.HAPPY) - empty, _bar_pixels(panel, Emotion.ANGRY)
    assert happy > 0 and angry > 0
    # the distribution bars dominate these counts; the trend columns add the same share on top
    assert happy / angry == pytest.approx(3.0, rel=0.25)
    assert _bar_pixels(panel, Emotion.SAD) == 0


@pytest.mark.parametrize(
    ("frame_hw", "window_hw"),
    [
        ((240, 320), (480, 640 + PANEL_WIDTH)),  # small frames are scaled up to 480 px
        ((480, 640), (480, 640 + PANEL_WIDTH)),
        ((1080, 1920), (720, 1280 + PANEL_WIDTH)),  # large ones down to 720 px
    ],
)
def test_compose_scales_the_frame_and_adds_the_panel(frame_hw: tuple[int, int], window_hw: tuple[int, int]) -> None:
    frame = np.full((*frame_hw, 3), 77, np.uint8)
    canvas = compose(frame, PanelInfo("Meeting", 1.0, 30.0), LiveStats())
    assert canvas.shape == (*window_hw, 3)
    assert (canvas[window_hw[0] // 2, 10] == 77).all()


def test_pause_banner_covers_the_top_of_the_frame() -> None:
    frame = np.full((480, 640, 3), 200, np.uint8)
    plain = compose(frame, PanelInfo("Meeting", 1.0, 30.0), LiveStats())
    paused = compose(frame, PanelInfo("Meeting", 1.0, 30.0, paused=True), LiveStats())
    assert (plain[5, :640] == 200).all()
    assert (paused[5, :640] != 200).any()


def test_people_get_a_row_each_and_the_panel_grows_to_hold_them() -> None:
    stats = LiveStats()
    ada, grace = replace(pred(Emotion.HAPPY), person="Ada"), replace(pred(Emotion.SAD), person="Grace")
    for t in range(3):
        stats.add(float(t), [ada, grace, pred(Emotion.ANGRY)])
    counted = {n: dict(c) for n, c in stats.person_counts.items()}
    assert counted == {"Ada": {Emotion.HAPPY: 3}, "Grace": {Emotion.SAD: 3}}
    plain = LiveStats()
    plain.add(0.0, [pred(Emotion.ANGRY)])
    info = PanelInfo("Exam", 3.0, 25.0)
    without, with_people = draw_panel(plain, info, 480), draw_panel(stats, info, 480)
    assert without.shape[0] == 480 and with_people.shape[0] == 480 + 24 + 2 * 20
    rows = with_people[460:]  # below the trend: the people rows, with each person's emoji icon
    assert np.any(np.all(rows == np.array((60, 210, 250), np.uint8), axis=2))
    assert not np.any(np.all(without[440:468] == np.array((60, 210, 250), np.uint8), axis=2))
    stats.reset()
    assert stats.person_counts == {}
