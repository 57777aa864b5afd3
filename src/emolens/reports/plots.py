"""The figures of every report, drawn with matplotlib's Agg backend (no display needed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

__all__ = [
    "activation_grid",
    "bar_chart",
    "confusion_plot",
    "curves_plot",
    "heatmap_overlay",
    "image_grid",
    "line_plot",
    "matrix_plot",
    "reliability_plot",
    "roc_plot",
]


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def bar_chart(
    path: Path, categories: Sequence[str], series: Mapping[str, Sequence[float]], title: str, ylabel: str
) -> Path:
    """Grouped bars: one group per category, one bar per series, values written above the bars."""
    fig, ax = plt.subplots(figsize=(max(5.0, 1.1 * len(categories)), 3.8))
    width = 0.8 / max(1, len(series))
    for i, (name, values) in enumerate(series.items()):
        x = np.arange(len(categories)) + (i - (len(series) - 1) / 2) * width
        bars = ax.bar(x, values, width, label=name)
        ax.bar_label(bars, fmt="%.3g", fontsize=7)
    ax.set_xticks(np.arange(len(categories)), categories, rotation=30, ha="right")
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    if len(series) > 1:
        ax.legend(fontsize=8)
    return _save(fig, path)


def image_grid(path: Path, images: Sequence[np.ndarray], titles: Sequence[str], columns: int, title: str) -> Path:
    """Grayscale (or BGR) images in a grid, each with a small title."""
    rows = max(1, -(-len(images) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(1.5 * columns, 1.7 * rows + 0.4), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, image, caption in zip(axes.ravel(), images, titles, strict=False):
        ax.imshow(image[..., ::-1] if image.ndim == 3 else image, cmap="gray", vmin=0, vmax=255)
        ax.set_title(caption, fontsize=7)
    fig.suptitle(title, fontsize=10)
    return _save(fig, path)


def confusion_plot(path: Path, matrix: np.ndarray, labels: Sequence[str], normalise: bool) -> Path:
    """A confusion matrix (rows: true, columns: predicted), as counts or as row fractions."""
    values = matrix / np.maximum(matrix.sum(1, keepdims=True), 1) if normalise else matrix
    fig, ax = plt.subplots(figsize=(5.5, 4.8))
    shown = ax.imshow(values, cmap="Blues", vmin=0, vmax=1 if normalise else None)
    fig.colorbar(shown, ax=ax, fraction=0.046)
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    high = values.max() if values.size else 0
    for (i, j), v in np.ndenumerate(values):
        text = f"{v:.2f}" if normalise else str(int(v))
        ax.text(j, i, text, ha="center", va="center", fontsize=7, color="white" if v > high / 2 else "black")
    ax.set_title("confusion matrix" + (" (each row sums to 1)" if normalise else " (counts)"))
    return _save(fig, path)


def roc_plot(path: Path, curves: Mapping[str, tuple[np.ndarray, np.ndarray, float]]) -> Path:
    """One-vs-rest ROC curves: label -> (false positive rates, true positive rates, AUC)."""
    fig, ax = plt.subplots(figsize=(5, 4.5))
    for label, (fpr, tpr, auc) in curves.items():
        ax.plot(fpr, tpr, label=f"{label} (AUC {auc:.3f})")
    ax.plot([0, 1], [0, 1], "k:", linewidth=0.8)
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title("one-vs-rest ROC")
    ax.legend(fontsize=7, loc="lower right")
    return _save(fig, path)


def reliability_plot(path: Path, bins: Sequence[tuple[str, np.ndarray, np.ndarray, np.ndarray]]) -> Path:
    """Reliability diagrams: (name, bin confidence, bin accuracy, bin count) per model or temperature."""
    fig, ax = plt.subplots(figsize=(4.8, 4.5))
    ax.plot([0, 1], [0, 1], "k:", linewidth=0.8, label="perfect calibration")
    for name, confidence, accuracy, count in bins:
        used = count > 0
        ax.plot(confidence[used], accuracy[used], "o-", markersize=3, label=name)
    ax.set_xlabel("confidence (top-1 probability)")
    ax.set_ylabel("accuracy")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_title("reliability diagram")
    ax.legend(fontsize=7)
    return _save(fig, path)


def curves_plot(path: Path, history: Sequence[Mapping[str, float]]) -> Path:
    """Training curves: loss and accuracy per epoch, train against validation."""
    epochs = [row["epoch"] + 1 for row in history]
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(9, 3.6))
    for key, ax in (("loss", loss_ax), ("acc", acc_ax)):
        ax.plot(epochs, [row[f"train_{key}"] for row in history], "o-", markersize=3, label="train")
        ax.plot(epochs, [row[f"val_{key}"] for row in history], "o-", markersize=3, label="validation")
        ax.set_xlabel("epoch")
        ax.set_title("loss" if key == "loss" else "accuracy")
        ax.legend(fontsize=8)
    return _save(fig, path)


def activation_grid(path: Path, layers: Mapping[str, np.ndarray], per_layer: int = 8) -> Path:
    """Per layer (a row), its ``per_layer`` most active channels' maps (C x h x w each)."""
    fig, axes = plt.subplots(len(layers), per_layer, figsize=(1.3 * per_layer, 1.4 * len(layers) + 0.3), squeeze=False)
    for row, (name, maps) in zip(axes, layers.items(), strict=True):
        top = np.argsort(-maps.mean(axis=(1, 2)))[:per_layer]
        for ax in row:
            ax.axis("off")
        for ax, channel in zip(row, top, strict=False):
            ax.imshow(maps[channel], cmap="viridis")
            ax.set_title(f"ch {channel}", fontsize=6)
        short = name.strip("/").removesuffix("_output_0")
        row[0].text(
            -0.15,
            0.5,
            f"{short}\n{maps.shape[1]}x{maps.shape[2]}",
            transform=row[0].transAxes,
            ha="right",
            va="center",
            fontsize=7,
        )
    fig.suptitle("activation maps: the most active channels of each layer", fontsize=9)
    return _save(fig, path)


def heatmap_overlay(path: Path, face: np.ndarray, heat: np.ndarray, title: str) -> Path:
    """The face, the heat map (0..1) and the two overlaid, side by side."""
    fig, axes = plt.subplots(1, 3, figsize=(7.5, 2.8))
    axes[0].imshow(face, cmap="gray", vmin=0, vmax=255)
    axes[1].imshow(heat, cmap="jet", vmin=0, vmax=1)
    axes[2].imshow(face, cmap="gray", vmin=0, vmax=255)
    axes[2].imshow(heat, cmap="jet", alpha=0.45, vmin=0, vmax=1)
    for ax, caption in zip(axes, ("face", "heat map", "overlay"), strict=True):
        ax.set_title(caption, fontsize=8)
        ax.axis("off")
    fig.suptitle(title, fontsize=9)
    return _save(fig, path)


def matrix_plot(
    path: Path, values: np.ndarray, rows: Sequence[str], columns: Sequence[str], title: str, vmax: float = 1.0
) -> Path:
    """A rows x columns table of values in 0..``vmax`` as a heat map, each cell written in it (NaN: blank)."""
    fig, ax = plt.subplots(figsize=(1.0 * len(columns) + 2.6, 0.36 * len(rows) + 1.4))
    shown = ax.imshow(values, cmap="RdYlGn", vmin=0, vmax=vmax, aspect="auto")
    fig.colorbar(shown, ax=ax, fraction=0.046)
    ax.set_xticks(range(len(columns)), columns, rotation=35, ha="right")
    ax.set_yticks(range(len(rows)), rows)
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7)
    ax.set_title(title, fontsize=9)
    return _save(fig, path)


def line_plot(
    path: Path, x: np.ndarray, series: Mapping[str, np.ndarray], title: str, xlabel: str, ylabel: str
) -> Path:
    """Curves sharing one x axis, one per named series."""
    fig, ax = plt.subplots(figsize=(5, 3.8))
    for name, values in series.items():
        ax.plot(x, values, "o-", markersize=2.5, label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, 1)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    return _save(fig, path)
