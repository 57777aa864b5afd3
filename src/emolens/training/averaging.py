"""Weight averaging: SWA (the mean of the weights at the end of each of the last epochs) and an EMA (an
exponential moving average updated every step), kept beside the trained model; the averaged weights get
BatchNorm statistics of their own, recomputed on training images, before they are validated or saved."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

import torch
from torch import nn

__all__ = ["KINDS", "WeightAverages", "averaged_model", "recompute_batchnorm"]

KINDS = ("swa", "ema")


def _params(model: nn.Module) -> dict[str, torch.Tensor]:
    return {name: p.detach() for name, p in model.named_parameters()}


class WeightAverages:
    """The running averages of a model's parameters (BatchNorm statistics are recomputed, not averaged).

    ``swa``: keep the SWA mean (``update_swa`` once per epoch); ``ema_decay`` > 0: keep an EMA with that
    decay per step (``update_ema``). ``state_dict``/``load_state_dict`` carry both exactly, for resuming.
    """

    def __init__(self, model: nn.Module, swa: bool, ema_decay: float):
        self.ema_decay = ema_decay
        self.swa: dict[str, torch.Tensor] | None = None
        self.swa_count = 0
        self.keep_swa = swa
        self.ema = {k: v.clone() for k, v in _params(model).items()} if ema_decay else None

    @property
    def kinds(self) -> list[str]:
        """The averages that hold weights now."""
        return [kind for kind, held in (("swa", self.swa), ("ema", self.ema)) if held is not None]

    @torch.no_grad()
    def update_ema(self, model: nn.Module) -> None:
        if self.ema is None:
            return
        for name, p in _params(model).items():
            self.ema[name].lerp_(p, 1 - self.ema_decay)

    @torch.no_grad()
    def update_swa(self, model: nn.Module) -> None:
        params = _params(model)
        if self.swa is None:
            self.swa = {k: v.clone() for k, v in params.items()}
        else:
            for name, p in params.items():
                self.swa[name] += (p - self.swa[name]) / (self.swa_count + 1)
        self.swa_count += 1

    def weights(self, kind: str) -> dict[str, torch.Tensor]:
        """The averaged parameters of ``kind`` (one of ``kinds``)."""
        held = self.swa if kind == "swa" else self.ema
        assert held is not None, f"no {kind} average is held"
        return held

    def describe(self, kind: str) -> str:
        """What an average holds, for the checkpoint and the model card."""
        if kind == "swa":
            return f"SWA: the mean of the weights at the end of {self.swa_count} epoch(s), BatchNorm recomputed"
        return f"EMA of the weights, decay {self.ema_decay:g} per step, BatchNorm recomputed"

    def state_dict(self) -> dict[str, Any]:
        return {"swa": self.swa, "swa_count": self.swa_count, "ema": self.ema, "ema_decay": self.ema_decay}

    def load_state_dict(self, state: dict[str, Any], device: torch.device) -> None:
        def moved(held: dict[str, torch.Tensor] | None) -> dict[str, torch.Tensor] | None:
            return None if held is None else {k: v.to(device) for k, v in held.items()}

        self.swa, self.swa_count = moved(state["swa"]), state["swa_count"]
        if self.ema_decay:
            self.ema = moved(state["ema"]) if state["ema"] is not None else self.ema


@torch.no_grad()
def recompute_batchnorm(model: nn.Module, batches: Iterable[torch.Tensor]) -> nn.Module:
    """Replace every BatchNorm layer's running statistics by their plain mean over ``batches`` (forward passes
    without gradients, only the BatchNorm layers in training mode: dropout stays off and draws nothing from
    torch's global random state); returns the model in eval mode."""
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    momenta = [m.momentum for m in norms]
    model.eval()
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # a cumulative mean over all batches
        m.train()
    for batch in batches:
        model(batch)
    for m, momentum in zip(norms, momenta, strict=True):
        m.momentum = momentum
    return model.eval()


def averaged_model(model: nn.Module, weights: dict[str, torch.Tensor], batches: Iterable[torch.Tensor]) -> nn.Module:
    """A copy of ``model`` holding the averaged ``weights``, with BatchNorm statistics recomputed on ``batches``."""
    copied = copy.deepcopy(model)
    with torch.no_grad():
        for name, p in copied.named_parameters():
            p.copy_(weights[name])
    return recompute_batchnorm(copied, batches)
