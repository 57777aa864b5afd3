from __future__ import annotations

import numpy as np
import pytest

from emolens.types import EMOTIONS, BBox, Emotion, Face, Prediction, parse_emotion


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Happy", Emotion.HAPPY),
        ("happiness", Emotion.HAPPY),
        ("ANGER", Emotion.ANGRY),
        ("sadness", Emotion.SAD),
        ("surprised", Emotion.SURPRISE),
        ("fearful", Emotion.FEAR),
        ("disgusted", Emotion.DISGUST),
        ("bored", None),
    ],
)
def test_parse_emotion_accepts_synonyms(name: str, expected: Emotion | None) -> None:
    assert parse_emotion(name) == expected


def test_emotions_follow_fer2013_order() -> None:
    assert [e.value for e in EMOTIONS] == ["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"]
    assert len({e.emoji for e in EMOTIONS}) == 7


def test_bbox_iou_and_validation() -> None:
    a, b = BBox(0, 0, 10, 10), BBox(5, 0, 15, 10)
    assert a.iou(b) == pytest.approx(50 / 150)
    assert a.iou(BBox(20, 20, 30, 30)) == 0
    with pytest.raises(ValueError, match="x2 >= x1"):
        BBox(10, 0, 0, 10)


def test_prediction_to_dict_is_json_ready() -> None:
    face = Face(BBox(1, 2, 3, 4), np.zeros((4, 2), np.float32), 0.9)
    probs = {e: 1 / 7 for e in EMOTIONS}
    d = Prediction(face, probs, Emotion.SAD, 0.5, "m", "1", track_id=3).to_dict()
    assert d["label"] == "sad" and d["track_id"] == 3 and d["bbox"] == {"x1": 1, "y1": 2, "x2": 3, "y2": 4}
    assert set(d["probabilities"]) == {e.value for e in EMOTIONS}
