"""Why a model said what it said about one face: calibrated probabilities, per-layer activation maps and a
class-activation map (CAM), all read from the served ONNX model (no torch).

The ONNX graph is copied in memory with its inner activations (every ReLU, or every convolution in an int8
graph, where the ReLUs are folded into quantisation) added as outputs, so the maps
come from exactly the model that serves. For nets ending in global average pooling and one linear layer
(every net emolens trains) the CAM is exact: the last feature maps weighted by the class's weights
(Zhou et al., 2016). Other graphs get an occlusion map: how much the class probability drops when each
patch of the face is greyed out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from emolens.errors import InvalidImageError, ModelLoadError
from emolens.types import Emotion
from emolens.vision.classify import ModelCard, default_model_path, softmax

__all__ = ["Explainer", "Explanation"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Explanation:
    """One face's explanation: the crop (S x S uint8), probabilities per label, activations per layer
    (name -> C x h x w float32), the class explained and its heat map (S x S float32 in 0..1)."""

    face: np.ndarray
    probabilities: dict[Emotion, float]
    activations: dict[str, np.ndarray]
    target: Emotion
    heatmap: np.ndarray
    method: str


# Nodes between the pooled features and the logits that keep the class weights' meaning: shape changes,
# int8 quantise/dequantise pairs, and the slices, sum and halving of a mirror-averaged graph.
_PASS_THROUGH = (
    "Flatten",
    "Reshape",
    "Dropout",
    "Identity",
    "QuantizeLinear",
    "DequantizeLinear",
    "Slice",
    "Add",
    "Div",
)


def _weights(name: str, producers: dict[str, Any], initializers: dict[str, np.ndarray]) -> np.ndarray | None:
    """An initializer, or the float value of an int8 initializer behind a DequantizeLinear."""
    if name in initializers:
        return initializers[name]
    node = producers.get(name)
    if node is None or node.op_type != "DequantizeLinear" or node.input[0] not in initializers:
        return None
    q = initializers[node.input[0]].astype(np.float32)
    scale = initializers[node.input[1]].astype(np.float32)
    zero = initializers[node.input[2]].astype(np.float32) if len(node.input) > 2 else np.zeros_like(scale)
    axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
    shape = [1] * q.ndim
    if scale.ndim:
        shape[axis] = -1
    return (q - zero.reshape(shape)) * scale.reshape(shape)


def _cam_weights(graph: Any) -> tuple[str, np.ndarray] | None:
    """(the tensor pooled by GlobalAveragePool, classes x C weights of the Gemm after it), when the head is that."""
    from onnx import numpy_helper

    producers = {out: node for node in graph.node for out in node.output}
    initializers = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    gemm = producers.get(graph.output[0].name)
    while gemm is not None and gemm.op_type in _PASS_THROUGH:
        gemm = producers.get(gemm.input[0])
    weights = _weights(gemm.input[1], producers, initializers) if gemm is not None and gemm.op_type == "Gemm" else None
    if gemm is None or weights is None:
        return None
    source = producers.get(gemm.input[0])
    while source is not None and source.op_type in _PASS_THROUGH:
        source = producers.get(source.input[0])
    if source is None or source.op_type != "GlobalAveragePool":
        return None
    trans_b = next((a.i for a in gemm.attribute if a.name == "transB"), 0)
    return source.input[0], (weights if trans_b else weights.T)


class Explainer:
    """Explains an ONNX emotion model (default: the shipped one) on aligned face crops."""

    def __init__(self, model: str | Path | None = None):
        import onnx
        import onnxruntime as ort

        path = Path(model) if model is not None else default_model_path()
        if not path.is_file():
            raise ModelLoadError(f"model file {path} does not exist")
        self.card = ModelCard.load(path.with_suffix(".json"))
        proto = onnx.load(str(path))
        self._cam = _cam_weights(proto.graph)
        relus = [node.output[0] for node in proto.graph.node if node.op_type == "Relu"]
        # int8 graphs fold each ReLU into the quantisation after its convolution: show those outputs instead
        self.layers = relus or [node.output[0] for node in proto.graph.node if node.op_type == "Conv"]
        extra = [*self.layers, *([self._cam[0]] if self._cam and self._cam[0] not in self.layers else [])]
        for name in extra:
            proto.graph.output.append(onnx.helper.make_empty_tensor_value_info(name))
        self._session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
        self._outputs = [o.name for o in self._session.get_outputs()]

    def _run(self, faces: np.ndarray) -> dict[str, np.ndarray]:
        values = self._session.run(None, {self._session.get_inputs()[0].name: faces.astype(np.float32)[:, None]})
        return dict(zip(self._outputs, values, strict=True))

    def _occlusion(self, face: np.ndarray, target: int, patch: int = 8, stride: int = 4) -> np.ndarray:
        size = face.shape[0]
        corners = [(y, x) for y in range(0, size - patch + 1, stride) for x in range(0, size - patch + 1, stride)]
        batch = np.repeat(face[None], len(corners), 0)
        for i, (y, x) in enumerate(corners):
            batch[i, y : y + patch, x : x + patch] = 128
        base = softmax(self._run(face[None])[self._outputs[0]])[0, target]
        drops = base - softmax(self._run(batch)[self._outputs[0]])[:, target]
        heat, hits = np.zeros((size, size)), np.zeros((size, size))
        for (y, x), drop in zip(corners, drops, strict=True):
            heat[y : y + patch, x : x + patch] += drop
            hits[y : y + patch, x : x + patch] += 1
        return np.clip(heat / np.maximum(hits, 1), 0, None)

    def explain(self, face: np.ndarray, target: Emotion | None = None) -> Explanation:
        """Explain one S x S uint8 crop for ``target`` (default: the predicted class)."""
        size = self.card.input_size
        if face.shape != (size, size) or face.dtype != np.uint8:
            raise InvalidImageError(f"expected a {size} x {size} uint8 face crop, got {face.shape} {face.dtype}")
        values = self._run(face[None])
        probs = softmax(values[self._outputs[0]], self.card.temperature)[0]
        if target is not None and target not in self.card.labels:
            raise InvalidImageError(
                f"the model has no class {target.value!r}; its classes are {[e.value for e in self.card.labels]}"
            )
        index = self.card.labels.index(target) if target is not None else int(probs.argmax())
        if self._cam:
            maps = values[self._cam[0]]
            heat = np.tensordot(self._cam[1][index], maps[0], axes=1)
            if len(maps) == 2:  # a mirror-averaged graph also saw the mirrored face: average both maps
                heat = (heat + np.tensordot(self._cam[1][index], maps[1], axes=1)[:, ::-1]) / 2
            heat, method = np.maximum(heat, 0), "CAM"
        else:
            heat, method = self._occlusion(face, index), "occlusion"
        heat = cv2.resize(heat.astype(np.float32), (size, size), interpolation=cv2.INTER_CUBIC)
        heat = np.clip(heat / heat.max(), 0, 1) if heat.max() > 0 else np.zeros_like(heat)
        activations = {name: np.maximum(values[name][0], 0) for name in self.layers}
        probabilities = {e: float(p) for e, p in zip(self.card.labels, probs, strict=True)}
        return Explanation(face, probabilities, activations, self.card.labels[index], heat, method)
