"""The shipped model is the one its card (src/emolens/models/<name>.json and .md) describes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import onnx
import pytest

from emolens.evaluation.evaluate import evaluate_model
from emolens.types import EMOTIONS
from emolens.vision.classify import DEFAULT_MODEL, OnnxClassifier, default_model_path

# PrivateTest is scored in full (3,589 images, ~35 s on 2 busy cores); a different ONNX Runtime build or CPU may
# round int8 arithmetic differently, so the card's figures hold to 0.2 points (7 images), recalls to 1 point.
ACCURACY_TOLERANCE, RECALL_TOLERANCE = 0.002, 0.01


@pytest.fixture(scope="module")
def card() -> dict:
    return json.loads(default_model_path().with_suffix(".json").read_text())


def test_the_file_is_the_one_the_card_names(card: dict) -> None:
    path = default_model_path()
    assert card["file"] == {
        "name": path.name,
        "size_bytes": path.stat().st_size,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }
    assert card["file"]["size_bytes"] == card["int8"]["size_bytes_int8"] == 4_747_100
    assert (card["name"], card["version"], path.stem) == (DEFAULT_MODEL, "3.0", DEFAULT_MODEL)
    assert card["file"]["sha256"] in path.with_suffix(".md").read_text()


def test_the_graph_takes_the_cards_input_and_gives_one_logit_per_label(card: dict) -> None:
    graph = onnx.load(default_model_path()).graph
    (given,), (out,) = graph.input, graph.output
    dims = [[d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim] for v in (given, out)]
    size = card["input_size"]
    assert size == 48 and dims[0][1:] == [1, size, size] and dims[1][1:] == [len(card["labels"])]
    assert card["labels"] == [e.value for e in EMOTIONS]
    loaded = OnnxClassifier().card
    assert (
        (loaded.labels, loaded.input_size, loaded.temperature)
        == (tuple(EMOTIONS), 48, 0.9261)
        == (
            tuple(EMOTIONS),
            size,
            card["temperature"],
        )
    )


def test_privatetest_figures_are_the_cards(card: dict, fer2013: Path) -> None:
    result = evaluate_model(OnnxClassifier(), fer2013, "test").to_dict()
    stated = card["metrics"]["test"]
    assert result["images"] == stated["images"] == 3589
    assert result["accuracy"] == pytest.approx(stated["accuracy"], abs=ACCURACY_TOLERANCE)
    assert result["macro_f1"] == pytest.approx(stated["macro_f1"], abs=ACCURACY_TOLERANCE)
    assert result["ece"] == pytest.approx(stated["ece_calibrated"], abs=ACCURACY_TOLERANCE)
    recalls = {label: row["recall"] for label, row in result["per_class"].items()}
    assert recalls == pytest.approx(stated["recall"], abs=RECALL_TOLERANCE)
