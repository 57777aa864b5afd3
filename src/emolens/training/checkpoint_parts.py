"""Carrying a resumable run to another machine or session in files under a size limit.

A run's ``last.pt`` holds the weights, the optimizer's momentum and the random states; for a large net it
outgrows what a git repository should hold in one file (20 MB here). ``pack`` splits it into the weights
(float32, exact), each weight average the run keeps (swa-average.pt, ema-average.pt: float32, exact) and the
rest (momentum stored as bfloat16, the one lossy part: a resumed run follows nearly, not bit for bit, the
uninterrupted one); ``unpack`` rebuilds ``last.pt`` for ``--resume``. ``load_weights`` reads the weights of
a packed folder, a run folder or a .pt file, to start a new run from them.
"""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path
from typing import Any

import torch

from emolens.errors import CheckpointError

__all__ = ["FILE_LIMIT_BYTES", "load_weights", "pack", "unpack"]

FILE_LIMIT_BYTES = 20_000_000
_WEIGHTS, _STATE, _CONFIG = "weights.pt", "state.pt", "config.json"


def _cast_momentum(state: dict[str, Any], dtype: torch.dtype) -> dict[str, Any]:
    optimizer = state["optimizer"]
    buffers = {
        key: {
            name: value.to(dtype) if torch.is_tensor(value) and value.is_floating_point() else value
            for name, value in entry.items()
        }
        for key, entry in optimizer["state"].items()
    }
    return {**state, "optimizer": {**optimizer, "state": buffers}}


def _average_file(kind: str) -> str:
    return f"{kind}-average.pt"


def _pack_averages(rest: dict[str, Any], folder: Path) -> dict[str, Any]:
    """Move each weight average into its own file; the state keeps the file's name in its place."""
    averages = dict(rest.get("averages") or {})
    for kind in ("swa", "ema"):
        (folder / _average_file(kind)).unlink(missing_ok=True)
        if averages.get(kind) is not None:
            torch.save(averages[kind], folder / _average_file(kind))
            averages[kind] = _average_file(kind)
    return {**rest, "averages": averages} if "averages" in rest else rest


def _unpack_averages(rest: dict[str, Any], folder: Path) -> dict[str, Any]:
    averages = dict(rest.get("averages") or {})
    for kind, held in averages.items():
        if isinstance(held, str):
            if not (folder / held).is_file():
                raise CheckpointError(f"{folder} lacks {held}, the run's {kind} average: copy the whole packed folder")
            averages[kind] = torch.load(folder / held, map_location="cpu", weights_only=False)
    return {**rest, "averages": averages} if "averages" in rest else rest


def pack(run: Path, folder: Path, limit_bytes: int = FILE_LIMIT_BYTES) -> list[Path]:
    """Split ``run/last.pt`` into files under ``limit_bytes`` in ``folder``; raises if one is too large."""
    source = run / "last.pt"
    if not source.is_file():
        raise CheckpointError(f"{source} does not exist: pack a run folder that has trained an epoch")
    state = torch.load(source, map_location="cpu", weights_only=False)
    folder.mkdir(parents=True, exist_ok=True)
    torch.save({"model": state["model"]}, folder / _WEIGHTS)
    rest = _cast_momentum({k: v for k, v in state.items() if k != "model"}, torch.bfloat16)
    torch.save(_pack_averages(rest, folder), folder / _STATE)
    if (run / _CONFIG).is_file():
        shutil.copy(run / _CONFIG, folder / _CONFIG)
    names = (_WEIGHTS, _STATE, _CONFIG, _average_file("swa"), _average_file("ema"))
    files = [folder / name for name in names if (folder / name).is_file()]
    too_big = [f"{p.name} ({p.stat().st_size / 1e6:.1f} MB)" for p in files if p.stat().st_size > limit_bytes]
    if too_big:
        raise CheckpointError(f"packed files over {limit_bytes / 1e6:.0f} MB: {', '.join(too_big)}; use a smaller net")
    return files


def unpack(folder: Path, run: Path) -> Path:
    """Rebuild ``run/last.pt`` (and config.json) from a packed folder, ready for ``emolens train --resume``."""
    missing = [name for name in (_WEIGHTS, _STATE) if not (folder / name).is_file()]
    if missing:
        raise CheckpointError(f"{folder} lacks {', '.join(missing)}: it is not a packed run")
    weights = torch.load(folder / _WEIGHTS, map_location="cpu", weights_only=False)
    rest = _cast_momentum(torch.load(folder / _STATE, map_location="cpu", weights_only=False), torch.float32)
    rest = _unpack_averages(rest, folder)
    run.mkdir(parents=True, exist_ok=True)
    torch.save({**rest, **weights}, run / "last.pt")
    if (folder / _CONFIG).is_file():
        shutil.copy(folder / _CONFIG, run / _CONFIG)
    return run / "last.pt"


def load_weights(checkpoint: Path) -> tuple[dict[str, torch.Tensor], str]:
    """The model weights and net name of a packed folder (weights.pt, state.pt), a run folder (its last.pt)
    or a .pt file."""
    if checkpoint.is_dir() and (checkpoint / _WEIGHTS).is_file():
        weights = torch.load(checkpoint / _WEIGHTS, map_location="cpu", weights_only=False)["model"]
        return weights, torch.load(checkpoint / _STATE, map_location="cpu", weights_only=False)["net"]
    path = checkpoint / "last.pt" if checkpoint.is_dir() else checkpoint
    if not path.is_file():
        raise CheckpointError(f"{checkpoint} holds no checkpoint: give a packed folder, a run folder or a .pt file")
    try:
        state = torch.load(path, map_location="cpu", weights_only=False)
        return state["model"], state["net"]
    except (pickle.UnpicklingError, RuntimeError, EOFError, KeyError, TypeError) as exc:
        raise CheckpointError(
            f"{path} is not a checkpoint emolens wrote (best.pt, last.pt, swa.pt, ema.pt or a packed folder): {exc}"
        ) from exc
