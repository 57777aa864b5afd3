"""The human-readable model card (Markdown) written beside each exported model's JSON card."""

from __future__ import annotations

from typing import Any

__all__ = ["render_card"]


def _metrics_table(metrics: dict[str, Any]) -> list[str]:
    lines = ["| split | accuracy | macro-F1 | ECE before calibration | ECE after |", "|---|---:|---:|---:|---:|"]
    names = {"val": "PublicTest (selection, calibration)", "test": "PrivateTest (reported)"}
    for split, row in metrics.items():
        lines.append(
            f"| {names.get(split, split)} | {row['accuracy']:.2%} | {row['macro_f1']:.4f} "
            f"| {row['ece_uncalibrated']:.2%} | {row['ece_calibrated']:.2%} |"
        )
    return lines


def _recall_table(metrics: dict[str, Any]) -> list[str]:
    classes = list(metrics["test"]["recall"])
    lines = ["| " + " | ".join(["split", *classes]) + " |", "|---" * (len(classes) + 1) + "|"]
    for split, row in metrics.items():
        lines.append("| " + " | ".join([split, *(f"{row['recall'][c]:.1%}" for c in classes)]) + " |")
    return lines


def render_card(card: dict[str, Any]) -> str:
    """Markdown for a card dict as written by export_checkpoint (name, labels, metrics, training facts)."""
    lines = [
        f"# Model card: {card['name']} {card['version']}",
        "",
        card.get("summary", ""),
        "",
        "## Use",
        f"- Classes, in output order: {', '.join(card['labels'])}.",
        f"- Input: {card['input']}.",
        f"- Preprocessing: {card['preprocessing']}.",
        f"- Calibration: softmax(logits / T) with T = {card['temperature']}, fitted on PublicTest by NLL.",
        f"- Architecture: {card['architecture']}, {card['parameters']:,} parameters.",
        "",
        "## Training",
    ]
    lines += [f"- {key}: {card[key]}" for key in ("data", "command", "seed", "hardware", "training_time") if key in card]
    lines += ["", "## Metrics", "", *_metrics_table(card["metrics"]), "", "Recall per class:", "", *_recall_table(card["metrics"])]
    lines += ["", f"ONNX parity with PyTorch: max abs difference {card['parity_max_abs_diff']:.1e} on probabilities."]
    if "limitations" in card:
        lines += ["", "## Limitations", "", card["limitations"]]
    return "\n".join(lines) + "\n"
