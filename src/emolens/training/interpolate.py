"""Weight-space interpolation between two checkpoints of one net, e.g. a model and its fine-tuned self
(WiSE-FT, Wortsman et al. 2022: the blend often keeps the fine-tune's gains under distribution shift and the
original's accuracy on its own domain). Parameters are blended; BatchNorm statistics are recomputed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from emolens.errors import CheckpointError, ConfigError
from emolens.training.averaging import averaged_model
from emolens.training.checkpoint_parts import load_weights
from emolens.training.config import TrainConfig
from emolens.training.data import label_map_of, load_split
from emolens.training.loop import bn_batches, evaluate_logits
from emolens.training.nets import build_net

__all__ = ["interpolate_checkpoints"]


def interpolate_checkpoints(start: Path, end: Path, alpha: float, cfg: TrainConfig, out: Path) -> dict[str, Any]:
    """Write ``out`` (a .pt that ``emolens export`` reads) holding ``(1 - alpha) * start + alpha * end``, with
    BatchNorm statistics recomputed on ``cfg.average_bn_images`` training images of ``cfg.data`` drawn as the
    run's averages draw them after its last epoch, and ``cfg`` as config.json beside it. Returns what was
    written and the blend's validation accuracy (single view)."""
    if not 0.0 <= alpha <= 1.0:
        raise ConfigError(f"alpha must be in [0, 1], got {alpha}")
    (first, first_net), (second, second_net) = load_weights(start), load_weights(end)
    if first_net != second_net or first_net != cfg.net:
        raise CheckpointError(
            f"{start} holds a {first_net} net, {end} a {second_net} net and the config names {cfg.net}: "
            "interpolate two checkpoints of the config's net"
        )
    classes = [e.value for e in label_map_of(cfg).classes]
    model = build_net(cfg.net, len(classes)).to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    names = [name for name, _ in model.named_parameters()]
    mismatched = [n for n in names if n not in first or n not in second or first[n].shape != second[n].shape]
    if mismatched:
        raise CheckpointError(f"{start} and {end} differ in {mismatched[0]}: they are not the same net and classes")
    blend = {n: (1 - alpha) * first[n].float() + alpha * second[n].float() for n in names}
    train_data, val = load_split(cfg, "train"), load_split(cfg, "val")
    model = averaged_model(model, blend, bn_batches(cfg, train_data, cfg.epochs - 1, torch.device("cpu")))
    val_acc = float((evaluate_logits(model, val.x).argmax(1) == val.y).float().mean())
    description = f"{alpha:g} x {end} + {1 - alpha:g} x {start} (weight interpolation), BatchNorm recomputed"
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(
        {"model": model.state_dict(), "net": cfg.net, "labels": classes, "val_acc": val_acc, "average": description},
        out,
    )
    (out.parent / "config.json").write_text(json.dumps(cfg.to_dict(), indent=2))
    return {"checkpoint": str(out), "alpha": alpha, "val_acc": val_acc, "weights": description}
