"""Retraining on new labelled data: fine-tune from a training checkpoint on the new data's training part
(with a replay sample of the old training data), export the candidate like the old model (ONNX, card, int8
if the old was), score old and new on the old validation data and on a held-out part of the new data, and
keep the candidate only when neither got worse beyond a tolerance and the new data improved."""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from emolens.data.facesets import FaceSet, LabelMap, load_faceset
from emolens.errors import DataLayoutError, ModelLoadError
from emolens.evaluation.metrics import classification_report
from emolens.training.config import TrainConfig, load_config
from emolens.training.data import SplitTensors
from emolens.training.export_run import export_run
from emolens.training.loop import train
from emolens.vision.classify import OnnxClassifier

__all__ = ["Decision", "RetrainPlan", "StartPoint", "decide", "load_start", "read_drift_report", "retrain"]

log = logging.getLogger(__name__)

DATA_SETS = ("old validation", "new held-out")


@dataclass(frozen=True)
class RetrainPlan:
    """What a retraining run uses and how it decides.

    ``holdout`` is the share of the new data kept out of training when it has no splits of its own (the
    Kaggle layout and fer2013.csv keep theirs: train = Training, held out = PublicTest + PrivateTest);
    ``replay_per_class`` old training images per class join the new ones against forgetting (0: none);
    ``tolerance_points`` is how many accuracy points either data set may lose before the candidate is refused.
    """

    new_data: Path
    old_data: Path
    checkpoint: Path
    old_model: Path
    run: Path
    out: Path
    epochs: int = 3
    lr: float = 0.005
    holdout: float = 0.2
    replay_per_class: int = 500
    tolerance_points: float = 0.5
    seed: int = 0
    threads: int = 0
    version: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StartPoint:
    """A checkpoint's weights, net, classes and training config (what `emolens train` saved with it)."""

    weights: dict[str, torch.Tensor]
    net: str
    labels: list[str]
    config: dict[str, Any]


@dataclass(frozen=True)
class Decision:
    """Whether the candidate is exported, and why; ``scores[model][data set]`` holds accuracy and macro-F1."""

    export: bool
    reasons: list[str]
    scores: dict[str, dict[str, dict[str, float]]]


def read_drift_report(path: Path) -> bool:
    """The ``retrain`` field of a drift report (JSON, as `emolens drift --json` writes it): True when the
    drift check says retraining is needed."""
    try:
        raw = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise DataLayoutError(f"cannot read the drift report {path}: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("retrain"), bool):
        raise DataLayoutError(
            f"{path} is not a drift report: it needs a boolean 'retrain' field; "
            "write one with `emolens drift PROFILE DATA --json > report.json`"
        )
    return bool(raw["retrain"])


def load_start(checkpoint: Path) -> StartPoint:
    """Read a packed folder (weights.pt, state.pt, config.json), a run folder (best.pt) or a .pt file."""
    if checkpoint.is_dir() and (checkpoint / "weights.pt").is_file():
        weights = torch.load(checkpoint / "weights.pt", map_location="cpu", weights_only=False)["model"]
        meta = torch.load(checkpoint / "state.pt", map_location="cpu", weights_only=False)
    else:
        path = checkpoint / "best.pt" if checkpoint.is_dir() else checkpoint
        if not path.is_file():
            raise ModelLoadError(f"{checkpoint} holds no checkpoint: give a packed folder, a run folder or a .pt file")
        meta = torch.load(path, map_location="cpu", weights_only=False)
        weights = meta["model"]
    folder = checkpoint if checkpoint.is_dir() else checkpoint.parent
    config = json.loads((folder / "config.json").read_text()) if (folder / "config.json").is_file() else {}
    labels = meta.get("labels") or [e.value for e in LabelMap().classes]
    return StartPoint(weights, meta["net"], list(labels), config)


def _split_new(faces: FaceSet, holdout: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks (train, held out): the data's own splits when it has them, else a stratified draw."""
    if set(faces.splits.tolist()) != {"all"}:
        train_mask = faces.splits == "train"
        return train_mask, ~train_mask
    rng = np.random.default_rng(seed)
    held = np.zeros(len(faces), bool)
    for c in np.unique(faces.labels):
        members = rng.permutation(np.flatnonzero(faces.labels == c))
        held[members[: round(holdout * len(members))]] = True
    return ~held, held


def _tensors(images: np.ndarray, labels: np.ndarray) -> SplitTensors:
    keep = labels >= 0
    return SplitTensors(torch.from_numpy(images[keep]).float().unsqueeze(1), torch.from_numpy(labels[keep]))


def _replay(plan: RetrainPlan, mapping: LabelMap) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``replay_per_class`` old training images per model class, drawn with the plan's seed."""
    if not plan.replay_per_class:
        return np.zeros((0, 48, 48), np.uint8), np.zeros(0, np.int64)
    old = load_faceset(plan.old_data, "train")
    labels = mapping.apply(old.labels)
    rng = np.random.default_rng(plan.seed)
    chosen = np.sort(
        np.concatenate(
            [rng.permutation(np.flatnonzero(labels == c))[: plan.replay_per_class] for c in range(len(mapping.classes))]
        )
    )
    return old.images[chosen], labels[chosen]


@dataclass(frozen=True)
class _Data:
    """The images each step uses: fine-tuning (train), the old validation split and the new held-out part."""

    train: SplitTensors
    sets: dict[str, tuple[np.ndarray, np.ndarray]]  # data set -> (images, labels in Emotion order)


def _gather(plan: RetrainPlan, mapping: LabelMap) -> _Data:
    new = load_faceset(plan.new_data, "all")
    train_mask, held_mask = _split_new(new, plan.holdout, plan.seed)
    if not held_mask.any() or not train_mask.any():
        raise DataLayoutError(
            f"{plan.new_data} must give images both to fine-tune on and to hold out ({train_mask.sum()} and "
            f"{held_mask.sum()}); add images or change --holdout"
        )
    replay_images, replay_labels = _replay(plan, mapping)
    images = np.concatenate([new.images[train_mask], replay_images])
    labels = np.concatenate([mapping.apply(new.labels[train_mask]), replay_labels])
    old_val = load_faceset(plan.old_data, "val")
    sets = {
        DATA_SETS[0]: (old_val.images, old_val.labels),
        DATA_SETS[1]: (new.images[held_mask], new.labels[held_mask]),
    }
    log.info("fine-tuning on %d new + %d replayed images", int(train_mask.sum()), len(replay_labels))
    return _Data(_tensors(images, labels), sets)


def _score(model: Path, images: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Accuracy and macro-F1 of an ONNX model on crops whose labels (Emotion order) it has a class for."""
    classifier = OnnxClassifier(model)
    card = classifier.card
    mapped = LabelMap.parse([e.value for e in card.labels], card.extra.get("relabel")).apply(labels)
    keep = mapped >= 0
    predicted = classifier.predict_proba(images[keep]).argmax(1)
    report = classification_report(mapped[keep], predicted, card.labels)
    return {"accuracy": round(report.accuracy, 4), "macro_f1": round(report.macro_f1, 4), "images": int(keep.sum())}


def decide(scores: dict[str, dict[str, dict[str, float]]], tolerance_points: float) -> Decision:
    """Export only when neither data set lost more than ``tolerance_points`` accuracy points and the new
    held-out data gained; ``scores`` has "old" and "new" models, each with both DATA_SETS."""
    reasons, ok = [], True
    for name in DATA_SETS:
        change = 100 * (scores["new"][name]["accuracy"] - scores["old"][name]["accuracy"])
        if change < -tolerance_points:
            ok = False
            reasons.append(f"{name}: accuracy fell {-change:.2f} points, more than the tolerance {tolerance_points:g}")
        else:
            reasons.append(f"{name}: accuracy changed {change:+.2f} points (tolerance {tolerance_points:g})")
    gain = scores["new"][DATA_SETS[1]]["accuracy"] - scores["old"][DATA_SETS[1]]["accuracy"]
    if gain <= 0:
        ok = False
        reasons.append("the new data did not improve: the candidate is no better on what it was retrained for")
    return Decision(ok, reasons, scores)


def _fine_tune_config(plan: RetrainPlan, start: StartPoint) -> TrainConfig:
    base = {k: v for k, v in start.config.items() if k != "augment"}
    cfg = load_config(None, **base, augment=start.config.get("augment", {}))
    return replace(
        cfg,
        **{
            "data": str(plan.new_data),
            "net": start.net,
            "epochs": plan.epochs,
            "lr": plan.lr,
            "warmup_epochs": 0.0,
            "early_stop_patience": 0,
            "limit_per_class": 0,
            "init": "",  # the start point's weights come in as train()'s init
            "swa_epochs": 0,  # the candidate is last.pt: no weight averages in a short fine-tune
            "swa_lr": 0.0,
            "ema_decay": 0.0,
            "seed": plan.seed,
            "threads": plan.threads,
            **plan.overrides,
        },
    )


def _old_kind(old_model: Path) -> tuple[bool, bool]:
    """(int8, mirror-averaged) of the old model, from its card, so the candidate is exported the same way."""
    card = json.loads(old_model.with_suffix(".json").read_text())
    return "quantization" in card, "mirror-image averaging" in str(card.get("architecture", ""))


def _publish(candidate: Path, out: Path, gated: Path) -> Path:
    """Copy the candidate's files (models, cards, report) beside ``out``; returns the gated model's new path."""
    out.parent.mkdir(parents=True, exist_ok=True)
    for path in candidate.parent.iterdir():
        target = out.parent / path.name
        if path.is_dir():
            shutil.copytree(path, target, dirs_exist_ok=True)
        else:
            shutil.copy2(path, target)
    return out.parent / gated.name


def retrain(plan: RetrainPlan) -> tuple[Decision, dict[str, Any]]:
    """Fine-tune, export the candidate into ``plan.run``/candidate, score old and new, decide, and copy the
    candidate beside ``plan.out`` only when the decision is to export. Returns the decision and a summary."""
    start = load_start(plan.checkpoint)
    cfg = _fine_tune_config(plan, start)
    mapping = LabelMap.parse(start.labels, cfg.relabel)
    data = _gather(plan, mapping)
    val = _tensors(data.sets[DATA_SETS[0]][0], mapping.apply(data.sets[DATA_SETS[0]][1]))
    result = train(cfg, plan.run, init=start.weights, splits=(data.train, val))
    int8, flip = _old_kind(plan.old_model)
    old_card = json.loads(plan.old_model.with_suffix(".json").read_text())
    version = plan.version or f"{old_card['version']}.1"
    candidate = plan.run / "candidate" / plan.out.name
    export_run(plan.run / "last.pt", candidate, plan.old_data, plan.out.stem, version, cfg.to_dict(), int8, flip)
    gated = candidate.with_name(f"{candidate.stem}.int8.onnx") if int8 else candidate
    scores = {
        model: {name: _score(path, *data.sets[name]) for name in DATA_SETS}
        for model, path in (("old", plan.old_model), ("new", gated))
    }
    decision = decide(scores, plan.tolerance_points)
    summary: dict[str, Any] = {
        "old_model": str(plan.old_model),
        "candidate": str(gated),
        "fine_tune": {**result, "images": len(data.train.y), "epochs_planned": cfg.epochs, "lr": cfg.lr},
        "scores": scores,
        "export": decision.export,
        "reasons": decision.reasons,
    }
    if decision.export:
        summary["exported"] = str(_publish(candidate, plan.out, gated))
    (plan.run / "retrain.json").write_text(json.dumps(summary, indent=2))
    return decision, summary
