"""Int8 quantisation of an exported model (ONNX Runtime static QDQ, calibrated on training crops), with
its accuracy, calibration and size measured against the float model."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from emolens.data.facesets import LabelMap
from emolens.training.calibrate import fit_temperature
from emolens.training.export import labelled_split, split_metrics
from emolens.training.export_run import model_card_markdown
from emolens.vision.classify import OnnxClassifier

__all__ = ["quantize_model"]

log = logging.getLogger(__name__)


class _Crops:
    """Feeds calibration crops to ONNX Runtime's quantiser, batch by batch."""

    def __init__(self, faces: np.ndarray, batch: int = 64):
        self._batches = iter(
            [{"pixels": faces[i : i + batch].astype(np.float32)[:, None]} for i in range(0, len(faces), batch)]
        )

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._batches, None)


def _ms_per_face(classifier: OnnxClassifier, faces: np.ndarray, repeat: int = 5) -> float:
    """Median milliseconds per face over ``repeat`` runs of the whole batch ``faces``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        classifier.logits(faces)
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times)) / len(faces)


def quantize_model(model: Path, data: Path, out: Path | None = None, calibration_images: int = 512) -> dict[str, Any]:
    """Write ``model``'s int8 twin (default ``<stem>.int8.onnx``) with its own cards (.json, .md): temperature
    fitted on the val split, val and test metrics of the int8 model itself; returns float and int8 accuracy,
    agreement, size and speed."""
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    out = out or model.with_name(f"{model.stem}.int8.onnx")
    card = json.loads(model.with_suffix(".json").read_text())
    mapping = LabelMap.parse(card["labels"], card.get("relabel"))
    train_faces, _ = labelled_split(data, "train", mapping)
    chosen = np.random.default_rng(0).permutation(len(train_faces))[:calibration_images]
    quantize_static(
        str(model),
        str(out),
        _Crops(train_faces[chosen]),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        calibrate_method=CalibrationMethod.MinMax,
    )
    int8_card = {
        **card,
        "name": f"{card['name']}-int8",
        "quantization": f"int8 static QDQ (ONNX Runtime), calibrated on {len(chosen)} training crops",
    }
    out.with_suffix(".json").write_text(json.dumps(int8_card, indent=2))
    fp32, int8 = OnnxClassifier(model), OnnxClassifier(out)
    val_faces, val_labels = labelled_split(data, "val", mapping)
    val_logits = int8.logits(val_faces)
    temperature = fit_temperature(val_logits, val_labels)
    test_faces, test_labels = labelled_split(data, "test", mapping)
    test_logits = int8.logits(test_faces)
    fp32_pred, int8_pred = fp32.logits(test_faces).argmax(1), test_logits.argmax(1)
    result = {
        "model": out.name,
        "temperature": round(temperature, 4),
        "test_accuracy_float": round(float((fp32_pred == test_labels).mean()), 4),
        "test_accuracy_int8": round(float((int8_pred == test_labels).mean()), 4),
        "prediction_agreement": round(float((fp32_pred == int8_pred).mean()), 4),
        "size_bytes_float": model.stat().st_size,
        "size_bytes_int8": out.stat().st_size,
        "ms_per_face_float_batch1": round(_ms_per_face(fp32, test_faces[:1], repeat=200), 4),
        "ms_per_face_int8_batch1": round(_ms_per_face(int8, test_faces[:1], repeat=200), 4),
        "ms_per_face_float_batch64": round(_ms_per_face(fp32, test_faces[:64]), 4),
        "ms_per_face_int8_batch64": round(_ms_per_face(int8, test_faces[:64]), 4),
    }
    metrics = {
        "val": split_metrics(val_logits, val_labels, mapping.classes, temperature),
        "test": split_metrics(test_logits, test_labels, mapping.classes, temperature),
    }
    int8_card.update(temperature=result["temperature"], metrics=metrics, int8=result)
    out.with_suffix(".json").write_text(json.dumps(int8_card, indent=2))
    out.with_suffix(".md").write_text(model_card_markdown(int8_card))
    log.info(
        "int8 model %s: test accuracy %.4f (float %.4f)",
        out,
        result["test_accuracy_int8"],
        result["test_accuracy_float"],
    )
    return result
