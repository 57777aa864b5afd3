"""The crops `emolens robustness` hands the classifier, made once and scored for many candidate models.

The detector and the aligner do not depend on the emotion model, so every model of a comparison sees the
same crops: this writes them once (detection is most of the check's time) and then scores a model on them in
seconds. Selection uses the PublicTest faces (``--split val``); the shipped figures come from
`emolens robustness` itself.

    PYTHONPATH=src nice python benchmarks/cross_cache.py crops --data ../shared/data/fer2013 --split val \
        --limit 1400 --seed 0 --out runs/cross-val.npz
    PYTHONPATH=src nice python benchmarks/cross_cache.py score runs/cross-val.npz MODEL.onnx runs/v3-robust/swa.pt
    PYTHONPATH=src nice python benchmarks/cross_cache.py score runs/cross-val.npz --config configs/v3-distill.toml \
        --ensemble checkpoints/flagship-vgg-l runs/v3-robust/swa.pt runs/v3-robust/ema.pt

``crops`` renders each sampled face under the 13 default conditions exactly as the check does (same seeds),
keeps the largest face found inside the pasted square, and stores its aligned 48 px crop with the face's
label and the condition's index (derived images: keep the file under runs/, never commit it). ``score``
classifies the crops with checkpoints (float, mirror-averaged, as the shipped graph averages) or .onnx
models and prints accuracy, macro recall and each class's recall, pooled over the conditions; ``--config``
loads checkpoints as that run's teachers (BatchNorm recomputed) and adds PublicTest accuracy, ``--ensemble``
also scores the models' mean softmax (what a distillation run's teachers give).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from emolens import Analyzer
from emolens.evaluation.samples import load_test_faces
from emolens.evaluation.scenes import default_conditions, face_in, render
from emolens.training.config import load_config
from emolens.training.data import load_split
from emolens.types import EMOTIONS
from emolens.vision.align import align_faces


def make_crops(data: str, split: str, limit: int, seed: int, out: Path) -> None:
    analyzer = Analyzer()
    faces = load_test_faces(data, analyzer.classifier.card, split, limit, seed)  # type: ignore[arg-type]
    crops, labels, conditions = [], [], []
    for index, condition in enumerate(default_conditions()):
        for i, face in enumerate(faces.images):
            frame, box = render(face, condition, np.random.default_rng([seed, index, i]))
            found = face_in([p.face for p in analyzer.analyze(frame)], box)
            if found is not None:
                crops.append(align_faces(frame, [found], 48)[0])
                labels.append(int(faces.labels[i]))
                conditions.append(index)
        print(f"{condition.name}: {sum(c == index for c in conditions)} of {len(faces)} found", flush=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, crops=np.stack(crops), labels=np.array(labels), conditions=np.array(conditions))


Scorer = Callable[[np.ndarray], np.ndarray]


def _scorers(models: list[Path], config: Path | None) -> list[Scorer]:
    """For each model, a function from images (N x 48 x 48 uint8) to its softmax: an .onnx model as it serves;
    a checkpoint in float, averaged with the mirror image's as the shipped graph averages, and with ``config``
    given, with BatchNorm statistics recomputed on its training images as a run's teachers get them."""
    from emolens.training.checkpoint_parts import load_weights
    from emolens.training.distill import Teachers
    from emolens.training.loop import bn_batches, evaluate_logits
    from emolens.training.nets import build_net
    from emolens.vision.classify import OnnxClassifier

    cpu = torch.device("cpu")
    cfg = load_config(config) if config else None
    train = load_split(cfg, "train") if cfg else None

    def mirrored(net: torch.nn.Module) -> Scorer:
        def run(images: np.ndarray) -> np.ndarray:
            x = torch.from_numpy(images).float().unsqueeze(1)
            views = [F.softmax(evaluate_logits(net, v), dim=1) for v in (x, x.flip(3))]
            return ((views[0] + views[1]) / 2).numpy()

        return run

    scorers: list[Scorer] = []
    for model in models:
        if model.suffix == ".onnx":
            scorers.append(OnnxClassifier(model).predict_proba)
        elif cfg is not None and train is not None:
            batches = partial(bn_batches, cfg, train, 0, cpu)
            scorers.append(mirrored(Teachers.load([str(model)], len(EMOTIONS), 1.0, batches, cpu).models[0]))
        else:
            weights, name = load_weights(model)
            net = build_net(name, len(EMOTIONS))
            net.load_state_dict(weights)
            scorers.append(mirrored(net))
    return scorers


def recalls(probs: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    predicted = probs.argmax(1)
    recall = {e.value: float((predicted[labels == i] == i).mean()) for i, e in enumerate(EMOTIONS)}
    return {
        "accuracy": float((predicted == labels).mean()),
        "macro_recall": float(np.mean(list(recall.values()))),
        **recall,
    }


def score(cache: Path, models: list[Path], config: Path | None, ensemble: bool) -> list[dict[str, object]]:
    """Cross-domain figures of each model (and of their mean softmax with ``ensemble``); with ``config``, also
    the accuracy on its validation split's crops (PublicTest)."""
    held = np.load(cache)
    scorers = _scorers(models, config)
    cross = [scorer(held["crops"]) for scorer in scorers]
    clean: list[np.ndarray] = []
    if config:
        val = load_split(load_config(config), "val")
        clean = [scorer(val.x[:, 0].numpy().astype(np.uint8)) for scorer in scorers]
    names = [str(m) for m in models]
    if ensemble:
        names.append("ensemble")
        cross.append(np.mean(cross, axis=0))
        clean += [np.mean(clean, axis=0)] if clean else []
    rows: list[dict[str, object]] = []
    for i, name in enumerate(names):
        row: dict[str, object] = {"model": name, **recalls(cross[i], held["labels"])}
        if clean:
            row["clean_accuracy"] = float((clean[i].argmax(1) == val.y.numpy()).mean())
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("crops")
    make.add_argument("--data", default="../shared/data/fer2013")
    make.add_argument("--split", default="val")
    make.add_argument("--limit", type=int, default=1400)
    make.add_argument("--seed", type=int, default=0)
    make.add_argument("--out", type=Path, required=True)
    rate = commands.add_parser("score")
    rate.add_argument("cache", type=Path)
    rate.add_argument("models", type=Path, nargs="+")
    rate.add_argument("--config", type=Path, help="a training config: BatchNorm as for teachers, PublicTest too")
    rate.add_argument("--ensemble", action="store_true", help="also score the models' mean softmax")
    args = parser.parse_args()
    if args.command == "crops":
        make_crops(args.data, args.split, args.limit, args.seed, args.out)
        return
    for row in score(args.cache, args.models, args.config, args.ensemble):
        print(json.dumps(row))


if __name__ == "__main__":
    main()
