"""One training run on one or several processes: the device, the process group that `torchrun` sets up
(gloo on CPU, NCCL on CUDA), and the few collective steps the loop needs."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from emolens.errors import TrainingError

__all__ = ["Runtime", "pick_device", "start_runtime"]

log = logging.getLogger(__name__)


def pick_device(wanted: str, local_rank: int = 0) -> torch.device:
    """CUDA when asked or available ("auto"), else the CPU; raises when CUDA is asked for but absent."""
    if wanted == "cuda" and not torch.cuda.is_available():
        raise TrainingError("the config asks for device cuda, but no CUDA GPU is visible; use device auto or cpu")
    if wanted != "cpu" and torch.cuda.is_available():
        return torch.device("cuda", local_rank % torch.cuda.device_count())
    return torch.device("cpu")


@dataclass(frozen=True)
class Runtime:
    """Where this process runs: its rank among ``world`` processes and its device."""

    rank: int
    world: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        """The process that evaluates, writes checkpoints and reports."""
        return self.rank == 0

    def sum(self, *values: float) -> list[float]:
        """Add ``values`` over every process."""
        if self.world == 1:
            return list(values)
        total = torch.tensor(values, dtype=torch.float64, device=self.device)
        dist.all_reduce(total)
        return total.tolist()

    def broadcast_flag(self, flag: bool) -> bool:
        """The main process's ``flag``, on every process."""
        if self.world == 1:
            return flag
        value = torch.tensor([int(flag)], device=self.device)
        dist.broadcast(value, 0)
        return bool(value.item())

    def close(self) -> None:
        if self.world > 1 and dist.is_initialized():
            dist.destroy_process_group()


def start_runtime(wanted_device: str) -> Runtime:
    """Join the process group when launched by torchrun (WORLD_SIZE > 1); a single process otherwise."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    device = pick_device(wanted_device, int(os.environ.get("LOCAL_RANK", "0")))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
        log.info("process %d of %d on %s", rank, world, device)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    return Runtime(rank, world, device)
