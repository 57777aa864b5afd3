"""Carrying a resumable run to another machine or session in files under a size limit.

A run's ``last.pt`` holds the weights, the optimizer's momentum and the random states; for a large net it
outgrows what a git repository should hold in one file (20 MB here). ``pack`` splits it into the weights
(float32, exact) and the rest (momentum stored as bfloat16, the one lossy part: a resumed run follows
nearly, not bit for bit, the uninterrupted one); ``unpack`` rebuilds ``last.pt`` for ``--resume``.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import torch

from emolens.errors import CheckpointError

__all__ = ["FILE_LIMIT_BYTES", "pack", "unpack"]

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


def pack(run: Path, folder: Path, limit_bytes: int = FILE_LIMIT_BYTES) -> list[Path]:
    """Split ``run/last.pt`` into files under ``limit_bytes`` in ``folder``; raises if one is too large."""
    source = run / "last.pt"
    if not source.is_file():
        raise CheckpointError(f"{source} does not exist: pack a run folder that has trained an epoch")
    state = torch.load(source, map_location="cpu", weights_only=False)
    folder.mkdir(parents=True, exist_ok=True)
    torch.save({"model": state["model"]}, folder / _WEIGHTS)
    rest = _cast_momentum({k: v for k, v in state.items() if k != "model"}, torch.bfloat16)
    torch.save(rest, folder / _STATE)
    if (run / _CONFIG).is_file():
        shutil.copy(run / _CONFIG, folder / _CONFIG)
    files = [folder / name for name in (_WEIGHTS, _STATE, _CONFIG) if (folder / name).is_file()]
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
    run.mkdir(parents=True, exist_ok=True)
    torch.save({**rest, **weights}, run / "last.pt")
    if (folder / _CONFIG).is_file():
        shutil.copy(folder / _CONFIG, run / _CONFIG)
    return run / "last.pt"
