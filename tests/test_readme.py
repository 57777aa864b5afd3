"""The README's Python examples run as written and print what their comments say."""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np
import pytest
from tests.conftest import write_video

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_the_python_examples_print_plain_labels(
    tmp_path: Path, astronaut_bgr: np.ndarray, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cv2.imwrite(str(tmp_path / "photo.jpg"), astronaut_bgr)
    write_video(tmp_path / "talk.avi", [astronaut_bgr] * 3)
    monkeypatch.chdir(tmp_path)
    one_photo, stream = python_blocks()[:2]
    namespace: dict[str, object] = {}  # the second example goes on from the first, as in a session
    exec(one_photo, namespace)
    assert capsys.readouterr().out.startswith("[('happy', 0.9")
    exec(stream.replace('"talk.mp4"', '"talk.avi"'), namespace)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:3] for line in lines] == [["0", "1", "happy"], ["1", "1", "happy"], ["2", "1", "happy"]]
