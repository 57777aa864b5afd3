"""Key codes from cv2.waitKey map to the viewer's actions."""

from __future__ import annotations

import pytest

from emolens.desktop.keys import Action, action_for_key


@pytest.mark.parametrize(
    ("code", "action"),
    [
        (ord("q"), Action.QUIT),
        (27, Action.QUIT),
        (ord("s"), Action.SCREENSHOT),
        (ord("e"), Action.EXPORT),
        (ord("r"), Action.RESET),
        (ord("R"), Action.RESET),
        (32, Action.PAUSE),
        (0x100000 | ord("q"), Action.QUIT),  # modifier bits some backends add above the low byte
        (-1, None),  # no key within the wait
        (ord("x"), None),
    ],
)
def test_action_for_key(code: int, action: Action | None) -> None:
    assert action_for_key(code) == action
