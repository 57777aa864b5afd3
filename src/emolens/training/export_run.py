"""`emolens export` end to end: ONNX export, calibration, optional int8 twin, the Markdown model card
beside the model and a report folder (reliability before and after the temperature)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from emolens.data.facesets import LabelMap
from emolens.evaluation.metrics import reliability_bins
from emolens.reports.document import Report, markdown_table
from emolens.reports.plots import reliability_plot
from emolens.training.export import export_checkpoint, labelled_split, write_profile
from emolens.vision.classify import OnnxClassifier, softmax

__all__ = ["export_run", "model_card_markdown"]


def model_card_markdown(card: dict[str, Any]) -> str:
    """A human-readable model card from the JSON card."""
    lines = [
        f"# {card['name']} {card['version']}",
        "",
        *([card["summary"], ""] if "summary" in card else []),
        f"Architecture {card['architecture']}, {card['parameters']:,} parameters; "
        f"classes: {', '.join(card['labels'])}.",
        "",
        f"Input: {card['input']}; preprocessing {card['preprocessing']}.",
        "",
        f"Temperature {card['temperature']} (fitted on the validation split, PublicTest for FER2013); "
        "ONNX/PyTorch parity "
        f"{card['parity_max_abs_diff']:.1e} (max abs difference of probabilities).",
        *(
            ["", f"Quantisation: {card['quantization']}; the metrics below are the quantised model's own."]
            if "quantization" in card
            else []
        ),
    ]
    facts = [
        (key, card[key])
        for key in ("data", "command", "seed", "hardware", "training_time", "training_recipe")
        if key in card
    ]
    if facts:
        lines += ["", "## Training", "", *(f"- {key}: {value}" for key, value in facts)]
    for split, m in card.get("metrics", {}).items():
        lines += [
            "",
            f"## {split} ({m['images']:,} images)",
            "",
            f"Accuracy {m['accuracy']:.4f}, macro-F1 {m['macro_f1']:.4f}, ECE {m['ece_uncalibrated']:.4f} before and "
            f"{m['ece_calibrated']:.4f} after the temperature.",
            "",
            markdown_table(["class", "recall"], list(m["recall"].items())),
        ]
    if "limitations" in card:
        lines += ["", "## Limitations", "", card["limitations"]]
    if "int8" in card:
        q = card["int8"]
        lines += [
            "",
            "## int8",
            "",
            f"Test accuracy {q['test_accuracy_int8']:.4f} (float {q['test_accuracy_float']:.4f}), "
            f"agreement {q['prediction_agreement']:.4f}, {q['size_bytes_int8']:,} bytes "
            f"(float {q['size_bytes_float']:,}); {q['ms_per_face_int8_batch1']:.2f} ms per face at batch 1 "
            f"(float {q['ms_per_face_float_batch1']:.2f}).",
        ]
    return "\n".join(lines) + "\n"


def _reliability(report: Report, model: Path, data: Path, card: dict[str, Any]) -> None:
    mapping = LabelMap.parse(card["labels"], card.get("relabel"))
    faces, labels = labelled_split(data, "val", mapping)
    logits = OnnxClassifier(model).logits(faces)
    curves = [(f"T = {t:g}", *reliability_bins(softmax(logits, t), labels)) for t in (1.0, card["temperature"])]
    reliability_plot(report.figure_path("reliability_val"), curves)


def export_run(
    checkpoint: Path,
    out: Path,
    data: Path,
    name: str,
    version: str,
    config: dict[str, Any],
    int8: bool,
    flip_average: bool = False,
    logit_offsets: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Export, calibrate, optionally quantise; write ``<out>.json``, ``<out>.md`` and ``<out stem>-report/``."""
    extra = (
        {"training": {k: config[k] for k in ("net", "epochs", "seed", "classes", "relabel") if k in config}}
        if config
        else {}
    )
    result = export_checkpoint(
        checkpoint,
        out,
        data,
        name,
        version,
        extra=extra,
        relabel=config.get("relabel") or None,
        flip_average=flip_average,
        logit_offsets=logit_offsets,
    )
    card = result.card
    summary: dict[str, Any] = {
        "model": str(out),
        "parity_max_abs_diff": result.max_abs_diff,
        "temperature": card["temperature"],
        "metrics": card["metrics"],
    }
    if int8:
        from emolens.training.quantize import quantize_model

        summary["int8"] = quantize_model(out, data)
        write_profile(
            out.with_name(summary["int8"]["model"]), data, LabelMap.parse(card["labels"], card.get("relabel"))
        )
        card = {**card, "int8": summary["int8"]}
        out.with_suffix(".json").write_text(json.dumps(card, indent=2))
    out.with_suffix(".md").write_text(model_card_markdown(card))
    report = Report(out.with_name(f"{out.stem}-report"), f"Export of {checkpoint} to {out.name}")
    _reliability(report, out, data, card)
    report.add("Model card", model_card_markdown(card).split("\n", 1)[1])
    report.add(
        "Calibration on the validation split", "Before (T = 1) and after the fitted temperature.", ["reliability_val"]
    )
    report.data = {"card": card, **summary}
    summary["report"] = str(report.write())
    return summary
