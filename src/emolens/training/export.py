"""Export a trained checkpoint to ONNX with a parity check, a fitted temperature and a model card."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from emolens.data.facesets import LabelMap, load_faceset
from emolens.errors import ConfigError, TrainingError
from emolens.evaluation.metrics import classification_report, expected_calibration_error
from emolens.monitoring.profile import write_reference_profile
from emolens.training.calibrate import fit_temperature
from emolens.training.nets import PIXEL_MEAN, PIXEL_STD, FlipAveraged, LogitOffset, build_net
from emolens.types import EMOTIONS, Emotion
from emolens.vision.classify import OnnxClassifier, softmax

__all__ = ["PARITY_TOLERANCE", "ExportResult", "export_checkpoint", "labelled_split", "split_metrics", "write_profile"]

log = logging.getLogger(__name__)

PARITY_TOLERANCE = 1e-4


@dataclass(frozen=True)
class ExportResult:
    """Where the model went, its parity with PyTorch and its card."""

    onnx_path: Path
    max_abs_diff: float
    card: dict[str, Any]


def _load_model(checkpoint: Path) -> tuple[torch.nn.Module, dict[str, Any]]:
    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    model = build_net(state["net"], len(state.get("labels", EMOTIONS)))
    model.load_state_dict(state["model"])
    return model.eval(), state


def _parity(model: torch.nn.Module, onnx_path: Path, faces: np.ndarray) -> float:
    import onnxruntime as ort

    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    batch = faces.astype(np.float32)[:, None]
    with torch.no_grad():
        expected = torch.softmax(model(torch.from_numpy(batch)), 1).numpy()
    got = softmax(session.run(None, {"pixels": batch})[0])
    return float(np.abs(expected - got).max())


def labelled_split(data: Path, split: str, mapping: LabelMap) -> tuple[np.ndarray, np.ndarray]:
    """The crops of ``split`` that the model has a class for, with labels indexing ``mapping.classes``."""
    faces = load_faceset(data, split)  # type: ignore[arg-type]
    labels = mapping.apply(faces.labels)
    keep = labels >= 0
    return faces.images[keep], labels[keep]


def write_profile(model: Path, data: Path, mapping: LabelMap) -> Path:
    """The drift profile of ``model`` on the val split, beside it (``<stem>.profile.json``; emolens.monitoring)."""
    faces, _ = labelled_split(data, "val", mapping)
    return write_reference_profile(model, faces, f"validation split of {data}")


def split_metrics(logits: np.ndarray, y: np.ndarray, labels: tuple[Emotion, ...], temperature: float) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class recall and ECE before and after ``temperature``, as the card stores them."""
    report = classification_report(y, logits.argmax(1), labels)
    return {
        "accuracy": round(report.accuracy, 4),
        "macro_f1": round(report.macro_f1, 4),
        "recall": {e.value: round(v, 4) for e, v in report.recall.items()},
        "ece_uncalibrated": round(expected_calibration_error(softmax(logits), y), 4),
        "ece_calibrated": round(expected_calibration_error(softmax(logits, temperature), y), 4),
        "images": len(y),
    }


def _offset_vector(offsets: Mapping[str, float], classes: tuple[Emotion, ...]) -> list[float]:
    names = [e.value for e in classes]
    unknown = sorted(set(offsets) - set(names))
    if unknown:
        raise ConfigError(f"logit offset for {unknown[0]!r}, which the model lacks; its classes: {', '.join(names)}")
    return [float(offsets.get(name, 0.0)) for name in names]


def _to_onnx(model: torch.nn.Module, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        model,
        (torch.zeros(1, 1, 48, 48),),
        str(out),
        input_names=["pixels"],
        output_names=["logits"],
        dynamic_axes={"pixels": {0: "batch"}, "logits": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )


def export_checkpoint(
    checkpoint: Path,
    out: Path,
    data: Path,
    name: str,
    version: str,
    extra: dict[str, Any] | None = None,
    relabel: Mapping[str, str] | None = None,
    flip_average: bool = False,
    logit_offsets: Mapping[str, float] | None = None,
) -> ExportResult:
    """Export ``checkpoint`` to ``out`` (.onnx), check parity, fit T on the val split (PublicTest), measure
    val and test, write the card (.json beside the model) and the drift profile of the val split
    (.profile.json, see emolens.monitoring). ``relabel`` is the run's data-to-model class map;
    ``flip_average`` bakes mirror-image averaging into the graph (see FlipAveraged); ``logit_offsets`` (class
    name -> constant) adds to those classes' logits inside the graph (see LogitOffset)."""
    model, state = _load_model(checkpoint)
    mapping = LabelMap.parse(state.get("labels"), relabel)
    if flip_average:
        model = FlipAveraged(model).eval()
    if logit_offsets:
        model = LogitOffset(model, _offset_vector(logit_offsets, mapping.classes)).eval()
    _to_onnx(model, out)
    card: dict[str, Any] = {
        "name": name,
        "version": version,
        "labels": [e.value for e in mapping.classes],
        "input_size": 48,
        "temperature": 1.0,
        "input": "N x 1 x 48 x 48 float32 raw grayscale pixels 0..255 of an aligned face (eyes level, FER2013 framing)",
        "preprocessing": f"inside the graph: (x / 255 - {PIXEL_MEAN}) / {PIXEL_STD}",
        "architecture": state["net"]
        + (" with mirror-image averaging in the graph" if flip_average else "")
        + (" plus logit offsets" if logit_offsets else ""),
        "parameters": sum(p.numel() for p in model.parameters()),
        **({"relabel": dict(relabel)} if relabel else {}),
        **({"weights": state["average"]} if "average" in state else {}),
        **({"logit_offsets": dict(logit_offsets)} if logit_offsets else {}),
        **(extra or {}),
    }
    out.with_suffix(".json").write_text(json.dumps(card, indent=2))
    classifier = OnnxClassifier(out)
    val_faces, val_labels = labelled_split(data, "val", mapping)
    max_diff = _parity(model, out, val_faces[:256])
    if max_diff > PARITY_TOLERANCE:
        raise TrainingError(
            f"ONNX and PyTorch disagree by {max_diff:.2e} > {PARITY_TOLERANCE:.0e} on probabilities; "
            "check the onnx and torch versions, or export on the CPU"
        )
    val_logits = classifier.logits(val_faces)
    temperature = fit_temperature(val_logits, val_labels)
    test_faces, test_labels = labelled_split(data, "test", mapping)
    metrics = {
        "val": split_metrics(val_logits, val_labels, mapping.classes, temperature),
        "test": split_metrics(classifier.logits(test_faces), test_labels, mapping.classes, temperature),
    }
    card.update(temperature=round(temperature, 4), parity_max_abs_diff=max_diff, metrics=metrics)
    out.with_suffix(".json").write_text(json.dumps(card, indent=2))
    write_reference_profile(out, val_faces, f"validation split of {data}")
    log.info(
        "exported %s: parity %.2e, T %.3f, test accuracy %.4f", out, max_diff, temperature, metrics["test"]["accuracy"]
    )
    return ExportResult(out, max_diff, card)
