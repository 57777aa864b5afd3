"""PublicTest accuracy of a checkpoint with its own BatchNorm statistics and with statistics recomputed on
Training images, plain or augmented: which images the weight averages' BatchNorm pass should use.

    PYTHONPATH=src nice python benchmarks/batchnorm_recompute.py checkpoints/flagship-vgg-l --images 2048

The images are drawn (seed 0) from 300 Training faces per class; the augmentations are the flagship's
(AugmentConfig's defaults) and configs/v3-robust.toml's.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import torch

from emolens.training.augment import AugmentConfig, augment
from emolens.training.averaging import averaged_model
from emolens.training.checkpoint_parts import load_weights
from emolens.training.config import load_config
from emolens.training.data import SplitTensors, load_split
from emolens.training.loop import evaluate_logits
from emolens.training.nets import build_net

OFF = AugmentConfig(rotate_deg=0, scale=0, translate=0, flip=False, brightness=0, contrast=0, erase_p=0)


def accuracy(model: torch.nn.Module, val: SplitTensors) -> float:
    return float((evaluate_logits(model, val.x).argmax(1) == val.y).float().mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("--config", type=Path, default=Path("configs/v3-robust.toml"))
    parser.add_argument("--images", type=int, default=2048)
    args = parser.parse_args()
    cfg = load_config(args.config)
    train, val = load_split(replace(cfg, limit_per_class=300), "train"), load_split(cfg, "val")
    weights, net = load_weights(args.checkpoint)
    model = build_net(net)
    model.load_state_dict(weights)
    print(f"own running statistics       {accuracy(model, val):.4f}")
    params = {name: weights[name] for name, _ in model.named_parameters()}
    chosen = torch.randperm(len(train.y), generator=torch.Generator().manual_seed(0))[: args.images]
    kinds = (("plain images", OFF), ("flagship augmentation", AugmentConfig()), ("v3 augmentation", cfg.augment))
    for name, aug in kinds:
        gen = torch.Generator().manual_seed(1)
        batches = [augment(train.x[chosen[i : i + 128]], aug, gen) for i in range(0, len(chosen), 128)]
        print(f"recomputed, {name:22s} {accuracy(averaged_model(model, params, batches), val):.4f}")


if __name__ == "__main__":
    main()
