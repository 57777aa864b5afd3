"""Per-face input statistics, measured on the aligned crop the classifier sees, plus the classifier's
penultimate features and predictions, all from the served ONNX model.

Crop statistics (every source): brightness (mean grey), contrast (grey std), sharpness (variance of the
Laplacian), and from BlazeFace's landmarks found again on the crop (upscaled 128 px, padded): roll (eye line,
degrees), yaw (nose offset from the eyes' midpoint, in eye distances), a pitch proxy (nose-to-mouth over
eye-to-nose height), the eye distance and the eyes' midpoint (fractions of the crop side; a framing shift
moves them). Frame statistics (whole photos and videos only; FER2013 crops have no frame): the face box side
in pixels and as a fraction of the frame's shorter side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from emolens.types import Face
from emolens.vision.classify import ModelCard, default_model_path, softmax
from emolens.vision.detect import MediaPipeDetector

__all__ = [
    "CROP_FEATURES",
    "FRAME_FEATURES",
    "FeatureReader",
    "LandmarkFinder",
    "Measurements",
    "crop_statistics",
    "frame_statistics",
]

CROP_FEATURES = (
    "brightness",
    "contrast",
    "sharpness",
    "roll_deg",
    "yaw",
    "pitch_ratio",
    "eye_distance",
    "eyes_x",
    "eyes_y",
)
FRAME_FEATURES = ("face_px", "face_frac")

_UPSCALE_PX, _PAD_PX = 128, 32


@dataclass(frozen=True)
class Measurements:
    """What was measured on N faces: numbers per feature (N float64 each, NaN where unmeasurable), the
    penultimate features (N x C float32), the predicted class indices (N int64) and confidences (N)."""

    numbers: dict[str, np.ndarray]
    embedding: np.ndarray
    predicted: np.ndarray
    confidence: np.ndarray

    def __len__(self) -> int:
        return len(self.predicted)

    def take(self, index: np.ndarray) -> Measurements:
        """The faces at ``index`` (integer indices or a boolean mask)."""
        numbers = {k: v[index] for k, v in self.numbers.items()}
        return Measurements(numbers, self.embedding[index], self.predicted[index], self.confidence[index])

    @staticmethod
    def concat(parts: list[Measurements]) -> Measurements:
        """One Measurements from several (same features in each)."""
        names = parts[0].numbers.keys()
        return Measurements(
            {k: np.concatenate([p.numbers[k] for p in parts]) for k in names},
            np.concatenate([p.embedding for p in parts]),
            np.concatenate([p.predicted for p in parts]),
            np.concatenate([p.confidence for p in parts]),
        )


def _pose(landmarks: np.ndarray, side_px: float) -> list[float]:
    """roll, yaw, pitch ratio, eye distance, eyes' x and y from right eye, left eye, nose, mouth (pixels)."""
    right, left, nose, mouth = (landmarks[i].astype(np.float64) for i in range(4))
    eye_vec = left - right
    eye_dist = float(np.hypot(*eye_vec))
    mid = (left + right) / 2
    if eye_dist < 1e-6:
        return [math.nan] * 6
    roll = math.degrees(math.atan2(eye_vec[1], eye_vec[0]))
    # express nose and mouth in the eye line's frame, so roll does not leak into yaw and pitch
    unit = eye_vec / eye_dist
    normal = np.array([-unit[1], unit[0]])
    yaw = float((nose - mid) @ unit) / eye_dist
    eye_to_nose = float((nose - mid) @ normal)
    nose_to_mouth = float((mouth - nose) @ normal)
    pitch = nose_to_mouth / eye_to_nose if abs(eye_to_nose) > 1e-6 else math.nan
    return [roll, yaw, pitch, eye_dist / side_px, mid[0] / side_px, mid[1] / side_px]


class LandmarkFinder:
    """BlazeFace (short range) on each crop, upscaled and padded so a filled frame still reads as a face."""

    def __init__(self, min_score: float = 0.3):
        self._detector = MediaPipeDetector(min_score, full_range=False)

    def pose(self, crops: np.ndarray) -> np.ndarray:
        """N x 6 pose numbers (see ``_pose``) for N x S x S uint8 crops; NaN rows where no face is found."""
        out = np.full((len(crops), 6), np.nan)
        scale = _UPSCALE_PX / crops.shape[1] if len(crops) else 1.0
        for i, crop in enumerate(crops):
            big = cv2.resize(crop, (_UPSCALE_PX, _UPSCALE_PX), interpolation=cv2.INTER_CUBIC)
            big = cv2.copyMakeBorder(big, _PAD_PX, _PAD_PX, _PAD_PX, _PAD_PX, cv2.BORDER_REPLICATE)
            faces = self._detector.detect(cv2.cvtColor(big, cv2.COLOR_GRAY2BGR))
            if faces:
                best = max(faces, key=lambda f: f.score)
                points = (best.landmarks - _PAD_PX) / scale
                out[i] = _pose(points, float(crops.shape[1]))
        return out


def crop_statistics(crops: np.ndarray, finder: LandmarkFinder) -> dict[str, np.ndarray]:
    """CROP_FEATURES for N x S x S uint8 crops."""
    pixels = crops.reshape(len(crops), crops.shape[1] * crops.shape[2]).astype(np.float64)
    sharpness = np.array([cv2.Laplacian(c, cv2.CV_64F).var() for c in crops]) if len(crops) else np.zeros(0)
    pose = finder.pose(crops)
    numbers = {"brightness": pixels.mean(1), "contrast": pixels.std(1), "sharpness": sharpness}
    numbers.update({name: pose[:, i] for i, name in enumerate(CROP_FEATURES[3:])})
    return numbers


def frame_statistics(faces: list[Face], frame_wh: tuple[int, int]) -> dict[str, np.ndarray]:
    """FRAME_FEATURES for faces found in one frame of ``frame_wh`` pixels."""
    sides = np.array([(f.bbox.width + f.bbox.height) / 2 for f in faces], np.float64)
    return {"face_px": sides, "face_frac": sides / max(1, min(frame_wh))}


class FeatureReader:
    """The served ONNX model run once per batch for its logits and its pooled penultimate features.

    The graph is copied in memory with the tensor pooled by its GlobalAveragePool added as an output (the
    way emolens.evaluation.explain reads activations), so the features come from exactly the model that serves.
    """

    def __init__(self, model: str | Path | None = None):
        import onnx
        import onnxruntime as ort

        from emolens.errors import ModelLoadError
        from emolens.evaluation.explain import _cam_weights

        path = Path(model) if model is not None else default_model_path()
        if not path.is_file():
            raise ModelLoadError(f"model file {path} does not exist")
        self.path = path
        self.card = ModelCard.load(path.with_suffix(".json"))
        proto = onnx.load(str(path))
        head = _cam_weights(proto.graph)
        if head is None:
            raise ModelLoadError(
                f"{path} does not end in global average pooling and one linear layer; drift profiles need that head"
            )
        self._pooled = head[0]
        proto.graph.output.append(onnx.helper.make_empty_tensor_value_info(self._pooled))
        self._session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
        self._outputs = [o.name for o in self._session.get_outputs()]

    def read(self, crops: np.ndarray, batch: int = 256) -> tuple[np.ndarray, np.ndarray]:
        """(N x C float32 pooled features, N x K calibrated probabilities) for N x S x S uint8 crops."""
        features, probs = [], []
        for start in range(0, len(crops), batch):
            part = crops[start : start + batch]
            values = self._session.run(None, {self._session.get_inputs()[0].name: part.astype(np.float32)[:, None]})
            named = dict(zip(self._outputs, values, strict=True))
            pooled = named[self._pooled].mean(axis=(2, 3))
            if len(pooled) == 2 * len(part):  # a mirror-averaged graph: average each face with its mirror
                pooled = (pooled[: len(part)] + pooled[len(part) :]) / 2
            features.append(pooled.astype(np.float32))
            probs.append(softmax(named[self._outputs[0]], self.card.temperature))
        channels = len(features[0][0]) if features else 0
        if not features:
            return np.zeros((0, channels), np.float32), np.zeros((0, len(self.card.labels)), np.float32)
        return np.concatenate(features), np.concatenate(probs)

    def measure(self, crops: np.ndarray, finder: LandmarkFinder) -> Measurements:
        """Every crop statistic, feature and prediction of N x S x S uint8 crops (no frame statistics)."""
        features, probs = self.read(crops)
        numbers = crop_statistics(crops, finder)
        confidence = probs.max(1).astype(np.float64) if len(probs) else np.zeros(0)
        numbers["confidence"] = confidence
        return Measurements(numbers, features, probs.argmax(1) if len(probs) else np.zeros(0, np.int64), confidence)
