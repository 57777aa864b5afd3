"""A tiny emotion model for tests: a fixed ONNX graph with the shipped model's contract, built in milliseconds.

Contract (as vision/classify.py reads it): input N x 1 x 48 x 48 float32 raw grayscale pixels 0..255, output
N x 7 logits over the FER2013 labels in FER order, a .json card beside the .onnx with name, version, labels,
input_size and temperature. The graph averages the face into a 4 x 4 grid of cells (pixels / 255) and maps the
16 cells to logits with fixed small weights plus a bias towards "happy", so every input is "happy" (about 96%)
with a confidence that follows the pixels; ``reference_logits`` computes the same in numpy for known-answer tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from emolens.types import EMOTIONS

NAME, VERSION, TEMPERATURE, INPUT_SIZE = "emolens-tiny-test", "0.1", 0.8, 48
CELL = INPUT_SIZE // 4
WEIGHTS = np.random.default_rng(0).uniform(-0.1, 0.1, (16, len(EMOTIONS))).astype(np.float32)
# 4 > 16 cells x 0.2, the most the weights can move any logit past happy's: every input is "happy"
BIAS = np.array([4.0 if e.value == "happy" else 0.0 for e in EMOTIONS], np.float32)


def reference_logits(faces: np.ndarray) -> np.ndarray:
    """The tiny model's logits for N x 48 x 48 uint8 faces, in numpy."""
    cells = faces.astype(np.float32).reshape(len(faces), 4, CELL, 4, CELL).mean(axis=(2, 4)) / 255
    return cells.reshape(len(faces), 16) @ WEIGHTS + BIAS


def build_tiny_model(folder: Path) -> Path:
    """Write ``emolens-tiny-test.onnx`` and its card into ``folder``; returns the .onnx path."""
    nodes = [
        helper.make_node("Div", ["pixels", "scale"], ["unit"]),
        helper.make_node("AveragePool", ["unit"], ["cells"], kernel_shape=[CELL, CELL], strides=[CELL, CELL]),
        helper.make_node("Flatten", ["cells"], ["features"], axis=1),
        helper.make_node("Gemm", ["features", "weights", "bias"], ["logits"]),
    ]
    graph = helper.make_graph(
        nodes,
        NAME,
        [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, ["N", 1, INPUT_SIZE, INPUT_SIZE])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", len(EMOTIONS)])],
        [
            numpy_helper.from_array(np.array(255.0, np.float32), "scale"),
            numpy_helper.from_array(WEIGHTS, "weights"),
            numpy_helper.from_array(BIAS, "bias"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{NAME}.onnx"
    onnx.save(model, path)
    card = {
        "name": NAME,
        "version": VERSION,
        "labels": [e.value for e in EMOTIONS],
        "input_size": INPUT_SIZE,
        "temperature": TEMPERATURE,
        "summary": "a fixed graph for tests: 4 x 4 cell means, fixed weights, a bias towards happy",
    }
    path.with_suffix(".json").write_text(json.dumps(card, indent=2) + "\n")
    return path
