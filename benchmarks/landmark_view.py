"""Issue 14 item 3: does FaceMesh geometry, as a second view of the face, add to the CNN?

    PYTHONPATH=src nice python benchmarks/landmark_view.py --data ../shared/data/fer2013 [--model M.onnx]

1. MediaPipe FaceMesh (468 landmarks, in the wheel) runs on every FER2013 crop, padded and upscaled to
   192 px; the landmarks are cached (``--cache``, an .npz of coordinates only, no pixels).
2. The landmarks are normalised (centred on the eyes' midpoint, eyes levelled, scaled by their distance)
   and a small MLP learns the 7 classes on Training, its epoch chosen on PublicTest.
3. Late fusion: the CNN's log-probabilities plus w times the MLP's, w fitted on PublicTest; faces
   FaceMesh misses keep the CNN's answer.

It prints accuracy, macro-F1 and the angry / disgust / fear recall on PrivateTest for the CNN, the
landmarks alone and the fusion, and the time FaceMesh takes per face.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from emolens.data.facesets import load_faceset
from emolens.evaluation.metrics import classification_report
from emolens.evaluation.scenes import Condition, render
from emolens.types import EMOTIONS, Emotion
from emolens.vision.classify import OnnxClassifier

# FaceMesh indices of the eyes' outer and inner corners (right eye of the subject, then left)
RIGHT_EYE, LEFT_EYE = (33, 133), (263, 362)


def mesh_landmarks(images: np.ndarray, pad: int = 12) -> tuple[np.ndarray, float]:
    """N x 468 x 3 landmarks (NaN where no face was found) and the mean ms per image; each square crop is
    padded with black by ``pad`` px and upscaled to 192 px."""
    import mediapipe as mp

    mesh = mp.solutions.face_mesh.FaceMesh(
        static_image_mode=True, max_num_faces=1, refine_landmarks=False, min_detection_confidence=0.3
    )
    out = np.full((len(images), 468, 3), np.nan, np.float32)
    start = time.perf_counter()
    for i, crop in enumerate(images):
        padded = cv2.copyMakeBorder(crop, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
        rgb = cv2.cvtColor(cv2.resize(padded, (192, 192), interpolation=cv2.INTER_CUBIC), cv2.COLOR_GRAY2RGB)
        found = mesh.process(rgb).multi_face_landmarks
        if found:
            out[i] = [(p.x, p.y, p.z) for p in found[0].landmark]
    return out, (time.perf_counter() - start) / max(len(images), 1) * 1000


def normalise(points: np.ndarray) -> np.ndarray:
    """Landmarks centred on the eyes' midpoint, rotated so the eyes are level, scaled by their distance."""
    right = points[:, RIGHT_EYE, :2].mean(1)
    left = points[:, LEFT_EYE, :2].mean(1)
    centre = (right + left) / 2
    delta = left - right
    dist = np.linalg.norm(delta, axis=1, keepdims=True).clip(1e-6)
    cos, sin = (delta / dist).T
    xy = points[:, :, :2] - centre[:, None]
    rotated = np.stack(
        [xy[..., 0] * cos[:, None] + xy[..., 1] * sin[:, None], -xy[..., 0] * sin[:, None] + xy[..., 1] * cos[:, None]],
        -1,
    )
    z = points[:, :, 2:] - points[:, :, 2:].mean(1, keepdims=True)
    return (np.concatenate([rotated, z], -1) / dist[:, None]).reshape(len(points), -1).astype(np.float32)


def train_mlp(x: np.ndarray, y: np.ndarray, xv: np.ndarray, yv: np.ndarray, epochs: int = 60) -> torch.nn.Module:
    """A 2-layer MLP on the normalised landmarks; the epoch with the best PublicTest accuracy is kept."""
    torch.manual_seed(0)
    mean, std = x.mean(0), x.std(0) + 1e-6
    net = torch.nn.Sequential(
        torch.nn.Linear(x.shape[1], 512),
        torch.nn.BatchNorm1d(512),
        torch.nn.ReLU(),
        torch.nn.Dropout(0.4),
        torch.nn.Linear(512, 256),
        torch.nn.BatchNorm1d(256),
        torch.nn.ReLU(),
        torch.nn.Dropout(0.4),
        torch.nn.Linear(256, 7),
    )
    model = torch.nn.Sequential(Standardise(mean, std), net)
    opt = torch.optim.AdamW(model.parameters(), 1e-3, weight_decay=1e-2)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    xt, yt, xvt = torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(xv)
    best, best_state = -1.0, None
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(xt)).split(256):
            loss = torch.nn.functional.cross_entropy(model(xt[idx]), yt[idx], label_smoothing=0.1)
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
        model.eval()
        with torch.no_grad():
            acc = float((model(xvt).argmax(1).numpy() == yv).mean())
        if acc > best:
            best, best_state = acc, {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    model.eval()
    return model


class Standardise(torch.nn.Module):
    def __init__(self, mean: np.ndarray, std: np.ndarray):
        super().__init__()
        self.register_buffer("mean", torch.from_numpy(mean))
        self.register_buffer("std", torch.from_numpy(std))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


def log_softmax(logits: np.ndarray) -> np.ndarray:
    return torch.log_softmax(torch.from_numpy(logits).float(), 1).numpy()


def report(name: str, pred: np.ndarray, y: np.ndarray) -> None:
    m = classification_report(y, pred, EMOTIONS)
    hard = " / ".join(f"{m.recall[e]:.2f}" for e in (Emotion.ANGRY, Emotion.DISGUST, Emotion.FEAR))
    print(f"{name:28s} acc {m.accuracy:.4f}  macro-F1 {m.macro_f1:.4f}  angry/disgust/fear recall {hard}")


SHIFTS = (
    ("dark-gamma-2.2", "gamma", 2.2),
    ("bright-gamma-0.45", "gamma", 0.45),
    ("blur-sigma-2", "blur", 2.0),
    ("jpeg-q15", "jpeg", 15),
    ("noise-sigma-20", "noise", 20),
)


def shifted_views(crops: np.ndarray, kind: str, amount: float) -> tuple[np.ndarray, np.ndarray]:
    """Each crop drawn at 96 px into a frame under a camera shift (``scenes.render``), then cut out: the CNN's
    48 px crop (area downscale, as the aligner does) and a 96 px one for FaceMesh."""
    condition = Condition(kind, 96, "grey", kind, amount)
    rng = np.random.default_rng(0)
    small, large = [], []
    for crop in crops:
        frame, (x1, y1, x2, y2) = render(crop, condition, rng)
        face = cv2.cvtColor(frame[y1:y2, x1:x2], cv2.COLOR_BGR2GRAY)
        large.append(face)
        small.append(cv2.resize(face, (48, 48), interpolation=cv2.INTER_AREA))
    return np.stack(small), np.stack(large)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("../shared/data/fer2013"))
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--cache", type=Path, default=Path("runs/facemesh-fer2013.npz"))
    parser.add_argument("--shifts", action="store_true", help="also score PrivateTest under five camera shifts")
    args = parser.parse_args()
    torch.set_num_threads(1)
    faces = load_faceset(args.data)
    if args.cache.is_file():
        points = np.load(args.cache)["points"]
        print(f"landmarks from {args.cache}")
    else:
        points, ms = mesh_landmarks(faces.images)
        args.cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(args.cache, points=points)
        print(f"FaceMesh: {ms:.2f} ms per face")
    found = ~np.isnan(points[:, 0, 0])
    print(f"FaceMesh found a face in {found.mean():.3f} of {len(found)} crops")
    feats = np.where(found[:, None], normalise(np.nan_to_num(points)), 0).astype(np.float32)
    split = {s: faces.splits == s for s in ("train", "val", "test")}
    tr = split["train"] & found
    mlp = train_mlp(feats[tr], faces.labels[tr], feats[split["val"] & found], faces.labels[split["val"] & found])
    with torch.no_grad():
        lm_logits = mlp(torch.from_numpy(feats)).numpy()
    cnn = OnnxClassifier(args.model)
    cnn_logp = log_softmax(cnn.logits(faces.images) / cnn.card.temperature)
    lm_logp = np.where(found[:, None], log_softmax(lm_logits), 0)
    val, test = split["val"], split["test"]
    weights = np.linspace(0, 1.5, 31)
    val_acc = [((cnn_logp[val] + w * lm_logp[val]).argmax(1) == faces.labels[val]).mean() for w in weights]
    w = float(weights[int(np.argmax(val_acc))])
    print(
        f"fusion weight chosen on PublicTest: {w:.2f} (PublicTest acc {max(val_acc):.4f}, CNN alone {val_acc[0]:.4f})"
    )
    y = faces.labels[test]
    report("CNN (PrivateTest)", cnn_logp[test].argmax(1), y)
    report("landmarks, found faces", lm_logits[test & found].argmax(1), faces.labels[test & found])
    report("CNN + landmarks", (cnn_logp[test] + w * lm_logp[test]).argmax(1), y)
    if not args.shifts:
        return
    pooled: dict[str, list[np.ndarray]] = {"cnn": [], "fused": [], "y": []}
    for name, kind, amount in SHIFTS:
        small, large = shifted_views(faces.images[test], kind, amount)
        points, ms = mesh_landmarks(large, pad=24)
        hit = ~np.isnan(points[:, 0, 0])
        with torch.no_grad():
            lm = mlp(torch.from_numpy(np.where(hit[:, None], normalise(np.nan_to_num(points)), 0))).numpy()
        cnn_s = log_softmax(cnn.logits(small) / cnn.card.temperature)
        fused = cnn_s + w * np.where(hit[:, None], log_softmax(lm), 0)
        print(f"{name}: FaceMesh found {hit.mean():.3f} ({ms:.1f} ms per face)")
        report(f"  CNN, {name}", cnn_s.argmax(1), y)
        report(f"  CNN + landmarks, {name}", fused.argmax(1), y)
        pooled["cnn"].append(cnn_s.argmax(1))
        pooled["fused"].append(fused.argmax(1))
        pooled["y"].append(y)
    report("CNN, shifts pooled", np.concatenate(pooled["cnn"]), np.concatenate(pooled["y"]))
    report("CNN + landmarks, pooled", np.concatenate(pooled["fused"]), np.concatenate(pooled["y"]))


if __name__ == "__main__":
    main()
