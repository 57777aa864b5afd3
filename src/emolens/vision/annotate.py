"""Drawing predictions onto frames: box, emoji, label, confidence meter."""

from __future__ import annotations

import cv2
import numpy as np

from emolens.types import Emotion, Prediction

__all__ = ["COLORS_BGR", "annotate", "draw_emoji"]

COLORS_BGR: dict[Emotion, tuple[int, int, int]] = {
    Emotion.ANGRY: (40, 40, 220),
    Emotion.DISGUST: (60, 140, 60),
    Emotion.FEAR: (160, 60, 160),
    Emotion.HAPPY: (40, 200, 250),
    Emotion.NEUTRAL: (180, 180, 180),
    Emotion.SAD: (200, 120, 40),
    Emotion.SURPRISE: (40, 160, 250),
}


def draw_emoji(image: np.ndarray, emotion: Emotion, center_xy: tuple[int, int], radius: int) -> None:
    """Draw a small face icon for ``emotion`` in place (OpenCV cannot render emoji glyphs)."""
    cx, cy = center_xy
    r = max(radius, 6)
    black = (20, 20, 20)
    cv2.circle(image, (cx, cy), r, (60, 210, 250), -1, cv2.LINE_AA)
    cv2.circle(image, (cx, cy), r, black, 1, cv2.LINE_AA)
    eye_y, eye_dx = cy - r // 4, r // 3
    eye_r = max(1, r // 8) + (1 if emotion in (Emotion.SURPRISE, Emotion.FEAR) else 0)
    for side in (-1, 1):
        cv2.circle(image, (cx + side * eye_dx, eye_y), eye_r, black, -1, cv2.LINE_AA)
        if emotion in (Emotion.ANGRY, Emotion.DISGUST):
            inner, outer = (cx + side * r // 8, eye_y - r // 6), (cx + side * r // 2, eye_y - r // 3)
            cv2.line(image, inner, outer, black, max(1, r // 10), cv2.LINE_AA)
    mouth_y, mouth_w, thick = cy + r // 3, r // 2, max(1, r // 10)
    if emotion == Emotion.HAPPY:
        cv2.ellipse(image, (cx, mouth_y - r // 8), (mouth_w, r // 4), 0, 10, 170, black, thick, cv2.LINE_AA)
    elif emotion in (Emotion.SAD, Emotion.ANGRY, Emotion.DISGUST):
        cv2.ellipse(image, (cx, mouth_y + r // 8), (mouth_w, r // 5), 0, 190, 350, black, thick, cv2.LINE_AA)
    elif emotion in (Emotion.SURPRISE, Emotion.FEAR):
        cv2.ellipse(image, (cx, mouth_y), (max(2, r // 5), max(2, r // 4)), 0, 0, 360, black, thick, cv2.LINE_AA)
    else:
        cv2.line(image, (cx - mouth_w // 2, mouth_y), (cx + mouth_w // 2, mouth_y), black, thick, cv2.LINE_AA)


def annotate(image: np.ndarray, predictions: list[Prediction]) -> np.ndarray:
    """A copy of a BGR image with each face's box, emoji, label, confidence meter and track id."""
    out = image.copy()
    scale = max(0.4, min(out.shape[:2]) / 900)
    for pred in predictions:
        x1, y1, x2, y2 = (round(v) for v in pred.face.bbox.xyxy)
        color = COLORS_BGR[pred.label]
        thick = max(1, int(2 * scale))
        cv2.rectangle(out, (x1, y1), (x2, y2), color, thick, cv2.LINE_AA)
        text = f"{pred.label.value} {pred.confidence:.0%}"
        if pred.person:
            text = f"{pred.person}: {text}"
        if pred.track_id is not None:
            text = f"#{pred.track_id} {text}"
        (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.6 * scale, thick)
        icon = th + base
        top = max(0, y1 - icon - 6)
        cv2.rectangle(out, (x1, top), (x1 + icon + tw + 8, top + icon + 4), color, -1)
        draw_emoji(out, pred.label, (x1 + 2 + icon // 2, top + 2 + icon // 2), icon // 2)
        cv2.putText(
            out,
            text,
            (x1 + icon + 5, top + th + 2),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.6 * scale,
            (0, 0, 0),
            thick,
            cv2.LINE_AA,
        )
        meter_w = int((x2 - x1) * pred.confidence)
        cv2.rectangle(out, (x1, y2 + 2), (x2, y2 + 6), (60, 60, 60), -1)
        cv2.rectangle(out, (x1, y2 + 2), (x1 + meter_w, y2 + 6), color, -1)
    return out
