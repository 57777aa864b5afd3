"""The training loop: preloaded tensors, batched augmentation, SGD with a warm-up cosine schedule, class
weighting or balanced sampling, early stopping, best and last checkpoints, resumable, seeded, and the
same run on several processes through torchrun (DistributedDataParallel)."""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

from emolens.training.augment import augment
from emolens.training.config import TrainConfig
from emolens.training.data import SplitTensors, epoch_order, label_map_of, load_split
from emolens.training.distributed import Runtime, start_runtime
from emolens.training.nets import build_net

__all__ = ["EpochHook", "StepHook", "evaluate_logits", "train"]

log = logging.getLogger(__name__)

StepHook = Callable[[int, int, int], None]  # (epoch, step, steps)
EpochHook = Callable[[dict[str, float]], None]  # the epoch's history row; raising stops the run


def _lr_at(cfg: TrainConfig, step: int, steps_per_epoch: int) -> float:
    warmup = cfg.warmup_epochs * steps_per_epoch
    total = cfg.epochs * steps_per_epoch
    if step < warmup:
        return cfg.lr * (step + 1) / warmup
    return cfg.lr * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))


@torch.no_grad()
def evaluate_logits(model: torch.nn.Module, x: torch.Tensor, batch_size: int = 512) -> torch.Tensor:
    """Logits of ``model`` over raw-pixel images, in eval mode and full precision, on the model's device."""
    model.eval()
    device = next(model.parameters()).device
    out = [
        model(x[i : i + batch_size].to(device).contiguous(memory_format=torch.channels_last))
        for i in range(0, len(x), batch_size)
    ]
    return torch.cat(out).float()


def _save(path: Path, state: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    tmp.replace(path)


class _Run:
    """The mutable state of one run: model, optimiser, random generator, history."""

    def __init__(self, cfg: TrainConfig, runtime: Runtime, classes: list[str]):
        self.cfg, self.runtime, self.classes = cfg, runtime, classes
        torch.manual_seed(cfg.seed)
        # torch's stubs for Module.to omit memory_format, which it accepts at run time
        self.model = build_net(cfg.net, len(classes)).to(runtime.device, memory_format=torch.channels_last)  # type: ignore[call-overload]
        self.opt = torch.optim.SGD(
            self.model.parameters(), lr=cfg.lr, momentum=0.9, nesterov=True, weight_decay=cfg.weight_decay
        )
        self.gen = torch.Generator().manual_seed(cfg.seed)
        self.history: list[dict[str, float]] = []
        self.start_epoch, self.best_acc = 0, 0.0
        self.step_model: torch.nn.Module = self.model
        if runtime.world > 1:
            ids = [runtime.device] if runtime.device.type == "cuda" else None
            self.step_model = DistributedDataParallel(self.model, device_ids=ids)

    def resume(self, path: Path) -> None:
        state = torch.load(path, map_location=self.runtime.device, weights_only=False)
        self.model.load_state_dict(state["model"])
        self.opt.load_state_dict(state["optimizer"])
        self.gen.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        if "cuda_rng" in state and self.runtime.device.type == "cuda":
            torch.cuda.set_rng_state(state["cuda_rng"], self.runtime.device)
        self.start_epoch, self.best_acc, self.history = state["epoch"] + 1, state["best_acc"], state["history"]
        log.info("resuming at epoch %d (best val acc %.4f)", self.start_epoch, self.best_acc)

    def save(self, out: Path, epoch: int, improved: bool) -> None:
        common = {"model": self.model.state_dict(), "net": self.cfg.net, "epoch": epoch, "labels": self.classes}
        if improved:
            _save(out / "best.pt", {**common, "val_acc": self.best_acc})
        extra = (
            {"cuda_rng": torch.cuda.get_rng_state(self.runtime.device)} if self.runtime.device.type == "cuda" else {}
        )
        _save(
            out / "last.pt",
            {
                **common,
                "optimizer": self.opt.state_dict(),
                "generator": self.gen.get_state(),
                "torch_rng": torch.get_rng_state(),
                "best_acc": self.best_acc,
                "history": self.history,
                **extra,
            },
        )


def _loss_weights(
    cfg: TrainConfig, train_data: SplitTensors, classes: int, device: torch.device
) -> torch.Tensor | None:
    if not cfg.class_weighting:
        return None
    counts = train_data.class_counts(classes).float()
    return (counts.sum() / (classes * counts)).to(device)


def _train_epoch(
    run: _Run, data: SplitTensors, epoch: int, weights: torch.Tensor | None, on_step: StepHook | None
) -> tuple[float, float]:
    """One pass; every process augments the same global batch and trains on its share of it."""
    cfg, rt = run.cfg, run.runtime
    order = epoch_order(data, cfg.sampling, len(run.classes), run.gen)
    steps = math.ceil(len(order) / cfg.batch_size)
    if 0 < len(order) % cfg.batch_size < rt.world:  # a last batch too small to give every process an image
        steps -= 1
    run.step_model.train()
    loss_sum, correct, seen = 0.0, 0.0, 0.0
    for i in range(steps):
        idx = order[i * cfg.batch_size : (i + 1) * cfg.batch_size]
        xb = augment(data.x[idx], cfg.augment, run.gen)[rt.rank :: rt.world]
        xb = xb.to(rt.device).contiguous(memory_format=torch.channels_last)
        yb = data.y[idx][rt.rank :: rt.world].to(rt.device)
        for group in run.opt.param_groups:
            group["lr"] = _lr_at(cfg, epoch * steps + i, steps)
        with torch.autocast(rt.device.type, dtype=torch.bfloat16, enabled=cfg.bf16):
            logits = run.step_model(xb)
        loss = F.cross_entropy(logits.float(), yb, weight=weights, label_smoothing=cfg.label_smoothing)
        run.opt.zero_grad(set_to_none=True)
        loss.backward()
        run.opt.step()
        loss_sum += loss.item() * len(yb)
        correct += (logits.argmax(1) == yb).sum().item()
        seen += len(yb)
        if on_step:
            on_step(epoch, i + 1, steps)
    loss_sum, correct, seen = rt.sum(loss_sum, correct, seen)
    return loss_sum / max(seen, 1), correct / max(seen, 1)


def _validate(run: _Run, val: SplitTensors) -> tuple[float, float]:
    logits = evaluate_logits(run.model, val.x)
    y = val.y.to(logits.device)
    return F.cross_entropy(logits, y).item(), (logits.argmax(1) == y).float().mean().item()


def _stale(history: list[dict[str, float]], patience: int) -> bool:
    """True when the last ``patience`` epochs did not beat the best validation accuracy before them."""
    if not patience or len(history) <= patience:
        return False
    best_before = max(row["val_acc"] for row in history[:-patience])
    return all(row["val_acc"] <= best_before for row in history[-patience:])


def _write_run_files(out: Path, run: _Run) -> None:
    """history.json, curves.png and the run's report (report.md, report.json), rewritten every epoch."""
    from emolens.reports import Report
    from emolens.reports.document import markdown_table
    from emolens.reports.plots import curves_plot

    (out / "history.json").write_text(json.dumps(run.history, indent=2))
    curves_plot(out / "curves.png", run.history)
    best = max(run.history, key=lambda row: row["val_acc"])
    report = Report(out, f"Training run {out.name}: {run.cfg.net} on {run.cfg.data}")
    report.add(
        "Result",
        f"Best validation accuracy **{best['val_acc']:.4f}** at epoch {int(best['epoch']) + 1} of "
        f"{len(run.history)} run ({run.cfg.epochs} planned) on {run.runtime.device} x {run.runtime.world}; "
        f"classes {', '.join(run.classes)}. Checkpoints: best.pt (best validation accuracy), last.pt (resumable).",
    )
    rows = [
        [int(r["epoch"]) + 1, r["train_loss"], r["train_acc"], r["val_loss"], r["val_acc"], r["lr"], r["seconds"]]
        for r in run.history
    ]
    report.add(
        "Curves",
        markdown_table(["epoch", "train loss", "train acc", "val loss", "val acc", "lr", "seconds"], rows),
        ["curves"],
    )
    report.data = {"config": run.cfg.to_dict(), "classes": run.classes, "best": best, "history": run.history}
    report.write()


def train(
    cfg: TrainConfig,
    out: Path,
    resume: bool = False,
    on_step: StepHook | None = None,
    on_epoch: EpochHook | None = None,
    init: dict[str, torch.Tensor] | None = None,
    splits: tuple[SplitTensors, SplitTensors] | None = None,
) -> dict[str, Any]:
    """Train ``cfg.net`` on the train split, select on val; write checkpoints, history and curves into ``out``.

    Under torchrun every process calls this; the main one evaluates and writes. ``on_epoch`` may raise
    (e.g. KeyboardInterrupt) to stop a run, which ``resume=True`` continues to the same result. Fine-tuning
    passes ``init`` (a model state to start from) and ``splits`` (train and val tensors instead of cfg.data's).
    """
    runtime = start_runtime(cfg.device)
    try:
        return _train(cfg, Path(out), resume, runtime, on_step, on_epoch, init, splits)
    finally:
        runtime.close()


def _train(
    cfg: TrainConfig,
    out: Path,
    resume: bool,
    rt: Runtime,
    on_step: StepHook | None,
    on_epoch: EpochHook | None,
    init: dict[str, torch.Tensor] | None = None,
    splits: tuple[SplitTensors, SplitTensors] | None = None,
) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    classes = [e.value for e in label_map_of(cfg).classes]
    if rt.is_main:
        (out / "config.json").write_text(json.dumps(cfg.to_dict(), indent=2))
        log.info("training %s on %s (%d process(es)), classes %s", cfg.net, rt.device, rt.world, classes)
    train_data, val = splits or (load_split(cfg, "train"), load_split(cfg, "val"))
    run = _Run(cfg, rt, classes)
    if init is not None:
        run.model.load_state_dict(init)
    if resume and (out / "last.pt").exists():
        run.resume(out / "last.pt")
    weights = _loss_weights(cfg, train_data, len(classes), rt.device)
    stop = _stale(run.history, cfg.early_stop_patience)
    for epoch in range(run.start_epoch, cfg.epochs if not stop else run.start_epoch):
        t0 = time.time()
        train_loss, train_acc = _train_epoch(run, train_data, epoch, weights, on_step)
        if rt.is_main:
            val_loss, val_acc = _validate(run, val)
            row = {
                "epoch": epoch,
                "train_loss": train_loss,
                "train_acc": train_acc,
                "val_loss": val_loss,
                "val_acc": val_acc,
                "lr": run.opt.param_groups[0]["lr"],
                "seconds": time.time() - t0,
            }
            run.history.append(row)
            log.info("epoch %d %s", epoch, json.dumps({k: round(v, 4) for k, v in row.items()}))
            improved = val_acc > run.best_acc
            run.best_acc = max(run.best_acc, val_acc)
            run.save(out, epoch, improved)
            _write_run_files(out, run)
            stop = _stale(run.history, cfg.early_stop_patience)
            if on_epoch:
                on_epoch(row)
        if rt.broadcast_flag(stop):
            log.info("early stop: no better validation accuracy in %d epochs", cfg.early_stop_patience)
            break
    return {
        "best_val_acc": run.best_acc,
        "epochs": len(run.history),
        "device": str(rt.device),
        "processes": rt.world,
        "early_stopped": stop,
        "classes": classes,
    }
