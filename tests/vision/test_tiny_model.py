"""The tiny test model honours the shipped model's contract, and the classifier applies its card exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx

from emolens import Analyzer, Emotion
from emolens.types import EMOTIONS
from emolens.vision.classify import LOGITS_CHUNK, OnnxClassifier, default_model_path, softmax
from tiny_model import NAME, TEMPERATURE, VERSION, reference_logits


def _io_shapes(path: Path) -> list[list[str | int]]:
    graph = onnx.load(path).graph
    return [[d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim] for v in (*graph.input, *graph.output)]


def test_the_tiny_model_has_the_shipped_models_input_and_output(tiny_model: Path) -> None:
    tiny, shipped = OnnxClassifier(tiny_model), OnnxClassifier()
    assert (tiny.card.labels, tiny.card.input_size) == (shipped.card.labels, shipped.card.input_size)
    assert [shape[1:] for shape in _io_shapes(tiny_model)] == [shape[1:] for shape in _io_shapes(default_model_path())]
    assert _io_shapes(tiny_model) == [["N", 1, 48, 48], ["N", 7]]


def test_the_classifier_gives_the_known_answer_with_the_cards_temperature(tiny_model: Path) -> None:
    faces = np.stack([np.full((48, 48), 0, np.uint8), np.full((48, 48), 255, np.uint8), np.eye(48, dtype=np.uint8)])
    classifier = OnnxClassifier(tiny_model)
    expected = softmax(reference_logits(faces), TEMPERATURE)
    assert np.allclose(classifier.predict_proba(faces), expected, atol=1e-6)
    assert np.allclose(expected[0], softmax(np.array([[0, 0, 0, 4, 0, 0, 0]], np.float32), 0.8)[0])  # black: bias


def test_the_analyzer_names_the_tiny_model_in_its_predictions(tiny_analyzer: Analyzer, astronaut_bgr) -> None:
    (face,) = tiny_analyzer.analyze(astronaut_bgr)
    assert (face.model, face.model_version, face.label) == (NAME, VERSION, Emotion.HAPPY)
    assert list(face.probabilities) == list(EMOTIONS) and face.confidence == max(face.probabilities.values())


def test_many_faces_are_classified_in_chunks_with_the_same_answers(tiny_model: Path) -> None:
    faces = np.random.default_rng(3).integers(0, 256, (LOGITS_CHUNK * 2 + 7, 48, 48), dtype=np.uint8)
    logits = OnnxClassifier(tiny_model).logits(faces)
    assert logits.shape == (len(faces), len(EMOTIONS))
    np.testing.assert_allclose(logits, reference_logits(faces), rtol=1e-5, atol=1e-4)
