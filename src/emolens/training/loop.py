"""The training loop: preloaded tensors, batched augmentation, Mixup/CutMix, SGD with a warm-up cosine
schedule, class weighting or balanced sampling, early stopping, best and last checkpoints, SWA and EMA weight
averages, resumable, seeded, and the same run on several processes through torchrun (DistributedDataParallel)."""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

from emolens.errors import ConfigError
from emolens.training.augment import augment
from emolens.training.averaging import WeightAverages, averaged_model
from emolens.training.checkpoint_parts import load_weights
from emolens.training.config import TrainConfig
from emolens.training.data import SplitTensors, epoch_order, label_map_of, load_split
from emolens.training.distill import Teachers, distill_loss
from emolens.training.distributed import Runtime, start_runtime
from emolens.training.mixing import mix_batch, soft_cross_entropy
from emolens.training.nets import build_net

__all__ = ["EpochHook", "StepHook", "bn_batches", "evaluate_logits", "train"]

log = logging.getLogger(__name__)

StepHook = Callable[[int, int, int], None]  # (epoch, step, steps)
EpochHook = Callable[[dict[str, float]], None]  # the epoch's history row; raising stops the run


def _lr_at(cfg: TrainConfig, step: int, steps_per_epoch: int) -> float:
    """Linear warm-up, then a cosine to zero at the end; with swa_lr, a cosine to swa_lr where the SWA epochs
    start, then swa_lr."""
    warmup = cfg.warmup_epochs * steps_per_epoch
    total = (cfg.epochs - (cfg.swa_epochs if cfg.swa_lr else 0)) * steps_per_epoch
    if step < warmup:
        return cfg.lr * (step + 1) / warmup
    if step >= total and cfg.swa_lr:
        return cfg.swa_lr
    cosine = 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))
    return cfg.swa_lr + (cfg.lr - cfg.swa_lr) * cosine


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
        self.averages: WeightAverages | None = None
        self.saved_averages: dict[str, Any] | None = None
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
        self.saved_averages = state.get("averages")
        log.info("resuming at epoch %d (best val acc %.4f)", self.start_epoch, self.best_acc)

    def start_averages(self) -> None:
        """Keep the config's weight averages (main process only), from the resumed state's when there is one."""
        cfg = self.cfg
        if not self.runtime.is_main or not (cfg.swa_epochs or cfg.ema_decay):
            return
        self.averages = WeightAverages(self.model, cfg.swa_epochs > 0, cfg.ema_decay)
        if self.saved_averages is not None:
            self.averages.load_state_dict(self.saved_averages, self.runtime.device)

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
                **({"averages": self.averages.state_dict()} if self.averages is not None else {}),
                **extra,
            },
        )


def _loss_weights(
    cfg: TrainConfig, train_data: SplitTensors, classes: list[str], device: torch.device
) -> torch.Tensor | None:
    if cfg.class_weights:
        unknown = sorted(set(cfg.class_weights) - set(classes))
        if unknown:
            raise ConfigError(f"class_weights names {unknown}, which the run does not learn; its classes: {classes}")
        return torch.tensor([cfg.class_weights.get(c, 1.0) for c in classes], device=device)
    if not cfg.class_weighting:
        return None
    counts = train_data.class_counts(len(classes)).float()
    return (counts.sum() / (len(classes) * counts)).to(device)


def _batch(
    run: _Run, data: SplitTensors, idx: torch.Tensor, teachers: Teachers | None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
    """This process's share of one augmented (and maybe mixed) global batch: images, labels, soft targets
    (None when the batch is not mixed) and the teachers' targets (None without teachers)."""
    cfg, rt = run.cfg, run.runtime
    x, y, targets, mixed = augment(data.x[idx], cfg.augment, run.gen), data.y[idx], None, None
    if (cfg.mixup_alpha or cfg.cutmix_alpha) and bool(torch.rand(1, generator=run.gen) < cfg.mix_p):
        mixed = mix_batch(x, y, len(run.classes), cfg.mixup_alpha, cfg.cutmix_alpha, run.gen)
        x, targets = mixed.x, mixed.targets[rt.rank :: rt.world].to(rt.device)
    share = slice(rt.rank, None, rt.world)
    x = x[share].to(rt.device).contiguous(memory_format=torch.channels_last)
    taught = None
    if teachers is not None:
        clean = teachers.clean is not None
        taught = teachers.clean_targets(idx, mixed)[share].to(rt.device) if clean else teachers.targets(x, cfg.bf16)
    return x, y[share].to(rt.device), targets, taught


def _train_epoch(
    run: _Run,
    data: SplitTensors,
    epoch: int,
    weights: torch.Tensor | None,
    teachers: Teachers | None,
    on_step: StepHook | None,
) -> tuple[float, float]:
    """One pass; every process augments the same global batch and trains on its share of it. Accuracy on a
    mixed batch counts each image's own label; with teachers, the loss blends in the distillation loss."""
    cfg, rt = run.cfg, run.runtime
    order = epoch_order(data, cfg.sampling, len(run.classes), run.gen)
    steps = math.ceil(len(order) / cfg.batch_size)
    if 0 < len(order) % cfg.batch_size < rt.world:  # a last batch too small to give every process an image
        steps -= 1
    run.step_model.train()
    loss_sum, correct, seen = 0.0, 0.0, 0.0
    for i in range(steps):
        xb, yb, targets, taught = _batch(run, data, order[i * cfg.batch_size : (i + 1) * cfg.batch_size], teachers)
        for group in run.opt.param_groups:
            group["lr"] = _lr_at(cfg, epoch * steps + i, steps)
        with torch.autocast(rt.device.type, dtype=torch.bfloat16, enabled=cfg.bf16):
            logits = run.step_model(xb)
        if targets is None:
            loss = F.cross_entropy(logits.float(), yb, weight=weights, label_smoothing=cfg.label_smoothing)
        else:
            loss = soft_cross_entropy(logits, targets, weights, cfg.label_smoothing)
        if taught is not None:
            distilled = distill_loss(logits, taught, cfg.distill_temperature)
            loss = (1 - cfg.distill_weight) * loss + cfg.distill_weight * distilled
        run.opt.zero_grad(set_to_none=True)
        loss.backward()
        run.opt.step()
        if run.averages is not None:
            run.averages.update_ema(run.model)
        loss_sum += loss.item() * len(yb)
        correct += (logits.argmax(1) == yb).sum().item()
        seen += len(yb)
        if on_step:
            on_step(epoch, i + 1, steps)
    loss_sum, correct, seen = rt.sum(loss_sum, correct, seen)
    return loss_sum / max(seen, 1), correct / max(seen, 1)


def bn_batches(cfg: TrainConfig, data: SplitTensors, epoch: int, device: torch.device) -> Iterator[torch.Tensor]:
    """``average_bn_images`` training images as they are (not augmented: statistics of clean faces validate
    better, docs/pipeline.md), drawn from a generator of their own (seed and epoch), so that keeping averages
    leaves the training's random stream untouched."""
    gen = torch.Generator().manual_seed(cfg.seed * 1_000_003 + epoch)
    chosen = torch.randperm(len(data.y), generator=gen)[: cfg.average_bn_images]
    for i in range(0, len(chosen), cfg.batch_size):
        yield data.x[chosen[i : i + cfg.batch_size]].to(device).contiguous(memory_format=torch.channels_last)


def _validate_averages(run: _Run, out: Path, data: SplitTensors, val: SplitTensors, epoch: int) -> dict[str, float]:
    """Fold this epoch's weights into SWA when its epochs have come, then give each average held BatchNorm
    statistics of its own, validate it and write it as <kind>.pt (best.pt's format, exportable)."""
    if run.averages is None:
        return {}
    if run.cfg.swa_epochs and epoch >= run.cfg.epochs - run.cfg.swa_epochs:
        run.averages.update_swa(run.model)
    return _write_averages(run, out, data, val, epoch)


def _write_averages(run: _Run, out: Path, data: SplitTensors, val: SplitTensors, epoch: int) -> dict[str, float]:
    """Write each held average as <kind>.pt with BatchNorm statistics of its own, as after ``epoch``."""
    assert run.averages is not None
    scores = {}
    for kind in run.averages.kinds:
        batches = bn_batches(run.cfg, data, epoch, run.runtime.device)
        model = averaged_model(run.model, run.averages.weights(kind), batches)
        _, scores[f"{kind}_val_acc"] = _validate(model, val)
        _save(
            out / f"{kind}.pt",
            {
                "model": model.state_dict(),
                "net": run.cfg.net,
                "epoch": epoch,
                "labels": run.classes,
                "val_acc": scores[f"{kind}_val_acc"],
                "average": run.averages.describe(kind),
            },
        )
    return scores


def _validate(model: torch.nn.Module, val: SplitTensors) -> tuple[float, float]:
    logits = evaluate_logits(model, val.x)
    y = val.y.to(logits.device)
    return F.cross_entropy(logits, y).item(), (logits.argmax(1) == y).float().mean().item()


def _stale(history: list[dict[str, float]], patience: int) -> bool:
    """True when the last ``patience`` epochs did not beat the best validation accuracy before them."""
    if not patience or len(history) <= patience:
        return False
    best_before = max(row["val_acc"] for row in history[:-patience])
    return all(row["val_acc"] <= best_before for row in history[-patience:])


def _init_weights(cfg: TrainConfig) -> dict[str, torch.Tensor] | None:
    """The weights ``cfg.init`` names, checked against the run's net; None when it names none."""
    if not cfg.init:
        return None
    weights, net = load_weights(Path(cfg.init))
    if net != cfg.net:
        raise ConfigError(f"init {cfg.init} holds a {net} net but the config trains {cfg.net}; set net = {net!r}")
    log.info("starting from the weights of %s", cfg.init)
    return weights


def _teachers(cfg: TrainConfig, data: SplitTensors, classes: int, device: torch.device) -> Teachers | None:
    """The config's teachers, their BatchNorm statistics drawn as the averages' are, reading every training
    image once when distill_view is "clean"; None when the config names none."""
    if not cfg.teachers:
        return None
    log.info(
        "distilling %s at temperature %g (weight %g, %s view)",
        ", ".join(cfg.teachers),
        cfg.distill_temperature,
        cfg.distill_weight,
        cfg.distill_view,
    )
    teachers = Teachers.load(
        cfg.teachers, classes, cfg.distill_temperature, lambda: bn_batches(cfg, data, 0, device), device
    )
    if cfg.distill_view == "clean":
        teachers.read_clean(data.x, cfg.bf16)
    return teachers


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
        f"classes {', '.join(run.classes)}. Checkpoints: best.pt (best validation accuracy), last.pt (resumable)"
        + "".join(
            f", {kind}.pt ({kind.upper()} weights, validation accuracy {run.history[-1][f'{kind}_val_acc']:.4f})"
            for kind in ("swa", "ema")
            if f"{kind}_val_acc" in run.history[-1]
        )
        + ".",
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
    passes ``init`` (a model state to start from; else ``cfg.init`` names one) and ``splits`` (train and val
    tensors instead of cfg.data's); a resumed run starts from its own last.pt instead.
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
    if resume and (out / "last.pt").exists():
        run.resume(out / "last.pt")
    else:
        start = init if init is not None else _init_weights(cfg)
        if start is not None:
            run.model.load_state_dict(start)
    run.start_averages()
    if rt.is_main and run.averages is not None and run.start_epoch >= cfg.epochs:
        # a finished run resumed from a packed folder: rebuild the exportable averages (BatchNorm statistics
        # are drawn from the seed and the epoch, so they come out as the run first wrote them)
        _write_averages(run, out, train_data, val, cfg.epochs - 1)
    weights = _loss_weights(cfg, train_data, classes, rt.device)
    teachers = _teachers(cfg, train_data, len(classes), rt.device)
    stop = _stale(run.history, cfg.early_stop_patience)
    for epoch in range(run.start_epoch, cfg.epochs if not stop else run.start_epoch):
        t0 = time.time()
        train_loss, train_acc = _train_epoch(run, train_data, epoch, weights, teachers, on_step)
        if rt.is_main:
            val_loss, val_acc = _validate(run.model, val)
            averages = _validate_averages(run, out, train_data, val, epoch)
            row = {
                "epoch": epoch,
                "train_loss": train_loss,
                "train_acc": train_acc,
                "val_loss": val_loss,
                "val_acc": val_acc,
                "lr": run.opt.param_groups[0]["lr"],
                "seconds": time.time() - t0,
                **averages,
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
