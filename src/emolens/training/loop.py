"""The training loop: preloaded tensors, batched augmentation, SGD with a warm-up cosine schedule,
best and last checkpoints, resumable, seeded."""

from __future__ import annotations

import json
import logging
import math
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from emolens.datasets import find_samples, load_faces
from emolens.training.augment import augment
from emolens.training.config import TrainConfig
from emolens.training.nets import build_net

__all__ = ["train"]

log = logging.getLogger(__name__)


def _load_split(cfg: TrainConfig, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    samples = find_samples(cfg.data, split)  # type: ignore[arg-type]
    images, labels, _ = load_faces(samples)
    x = torch.from_numpy(images).float().unsqueeze(1)
    return x, torch.from_numpy(labels)


def _lr_at(cfg: TrainConfig, step: int, steps_per_epoch: int) -> float:
    warmup = cfg.warmup_epochs * steps_per_epoch
    total = cfg.epochs * steps_per_epoch
    if step < warmup:
        return cfg.lr * (step + 1) / warmup
    return cfg.lr * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))


@torch.no_grad()
def evaluate_logits(model: torch.nn.Module, x: torch.Tensor, batch_size: int = 512) -> torch.Tensor:
    """Logits of ``model`` over raw-pixel images, in eval mode and full precision."""
    model.eval()
    out = [model(x[i : i + batch_size].contiguous(memory_format=torch.channels_last)) for i in range(0, len(x), batch_size)]
    return torch.cat(out).float()


def _save(path: Path, state: dict) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    tmp.replace(path)


def train(cfg: TrainConfig, out: Path, resume: bool = False) -> dict:
    """Train ``cfg.net`` on the train split, select on val; write checkpoints and history into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(cfg.to_dict(), indent=2))
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    x_train, y_train = _load_split(cfg, "train")
    x_val, y_val = _load_split(cfg, "val")
    model = build_net(cfg.net).to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=0.9, nesterov=True, weight_decay=cfg.weight_decay)
    gen = torch.Generator().manual_seed(cfg.seed)
    history: list[dict] = []
    start_epoch, best_acc = 0, 0.0
    if resume and (out / "last.pt").exists():
        state = torch.load(out / "last.pt", weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        gen.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        start_epoch, best_acc, history = state["epoch"] + 1, state["best_acc"], state["history"]
        log.info("resuming at epoch %d (best val acc %.4f)", start_epoch, best_acc)
    steps = math.ceil(len(x_train) / cfg.batch_size)
    for epoch in range(start_epoch, cfg.epochs):
        t0 = time.time()
        model.train()
        order = torch.randperm(len(x_train), generator=gen)
        total_loss, correct = 0.0, 0
        for i in range(steps):
            idx = order[i * cfg.batch_size : (i + 1) * cfg.batch_size]
            xb = augment(x_train[idx], cfg.augment, gen).contiguous(memory_format=torch.channels_last)
            yb = y_train[idx]
            for group in opt.param_groups:
                group["lr"] = _lr_at(cfg, epoch * steps + i, steps)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=cfg.bf16):
                logits = model(xb)
            loss = F.cross_entropy(logits.float(), yb, label_smoothing=cfg.label_smoothing)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total_loss += loss.item() * len(idx)
            correct += (logits.argmax(1) == yb).sum().item()
        val_logits = evaluate_logits(model, x_val)
        val_loss = F.cross_entropy(val_logits, y_val).item()
        val_acc = (val_logits.argmax(1) == y_val).float().mean().item()
        row = {
            "epoch": epoch,
            "train_loss": total_loss / len(x_train),
            "train_acc": correct / len(x_train),
            "val_loss": val_loss,
            "val_acc": val_acc,
            "lr": opt.param_groups[0]["lr"],
            "seconds": time.time() - t0,
        }
        history.append(row)
        log.info("epoch %d %s", epoch, json.dumps({k: round(v, 4) for k, v in row.items()}))
        if val_acc > best_acc:
            best_acc = val_acc
            _save(out / "best.pt", {"model": model.state_dict(), "net": cfg.net, "epoch": epoch, "val_acc": val_acc})
        _save(out / "last.pt", {
            "model": model.state_dict(), "optimizer": opt.state_dict(), "generator": gen.get_state(),
            "torch_rng": torch.get_rng_state(), "epoch": epoch, "best_acc": best_acc, "history": history,
            "net": cfg.net,
        })
        (out / "history.json").write_text(json.dumps(history, indent=2))
    return {"best_val_acc": best_acc, "epochs": len(history)}


if __name__ == "__main__":
    import argparse

    from emolens.training.config import load_config

    p = argparse.ArgumentParser()
    p.add_argument("--config")
    p.add_argument("--out", required=True)
    p.add_argument("--resume", action="store_true")
    p.add_argument("--epochs", type=int)
    p.add_argument("--net")
    p.add_argument("--data")
    a = p.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    c = load_config(a.config, epochs=a.epochs, net=a.net, data=a.data)
    print(train(c, Path(a.out), resume=a.resume))
