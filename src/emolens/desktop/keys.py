"""The viewer's keys: q quit and save, s screenshot, e export CSV, r reset statistics, SPACE pause."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["KEY_HELP", "Action", "action_for_key"]


class Action(StrEnum):
    """What a key press asks the viewer to do."""

    QUIT = "quit"
    SCREENSHOT = "screenshot"
    EXPORT = "export"
    RESET = "reset"
    PAUSE = "pause"


_KEYS: dict[int, Action] = {
    ord("q"): Action.QUIT,
    ord("Q"): Action.QUIT,
    27: Action.QUIT,  # Esc
    ord("s"): Action.SCREENSHOT,
    ord("S"): Action.SCREENSHOT,
    ord("e"): Action.EXPORT,
    ord("E"): Action.EXPORT,
    ord("r"): Action.RESET,
    ord("R"): Action.RESET,
    ord(" "): Action.PAUSE,
}

KEY_HELP = "q quit+save  s shot  e CSV  r reset  SPACE pause"


def action_for_key(code: int) -> Action | None:
    """The action for a code from ``cv2.waitKey`` (-1 or an unbound key give None)."""
    if code < 0:
        return None
    return _KEYS.get(code & 0xFF)
