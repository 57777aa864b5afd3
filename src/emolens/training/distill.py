"""Knowledge distillation from an ensemble (Hinton et al. 2015): the teachers' mean probability at a
temperature is a soft target the student learns beside the labels, so one fast net carries what several
nets agree on (which faces are ambiguous, and between which classes).

Two views: "augmented" teachers read the student's own augmented (and mixed) batch, so the soft target
describes the image the student is shown; "clean" teachers read each training face once as it is (averaged
with its mirror) and the student learns that answer for every shifted, occluded or re-framed version of it.
Teachers run in eval mode with BatchNorm statistics recomputed on clean training images, as weight averages
get theirs."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from emolens.errors import ConfigError
from emolens.training.averaging import averaged_model
from emolens.training.checkpoint_parts import load_weights
from emolens.training.mixing import Mixed
from emolens.training.nets import build_net

__all__ = ["Teachers", "distill_loss"]


class Teachers:
    """The nets whose averaged soft predictions a run distils; built once per run."""

    def __init__(self, models: list[nn.Module], temperature: float):
        self.models, self.temperature = models, temperature
        self.clean: torch.Tensor | None = None

    @classmethod
    def load(
        cls,
        checkpoints: Iterable[str],
        classes: int,
        temperature: float,
        bn_batches: Callable[[], Iterable[torch.Tensor]],
        device: torch.device,
    ) -> Teachers:
        """Each checkpoint (packed folder, run folder or .pt) as a teacher of ``classes`` outputs, its BatchNorm
        statistics recomputed on the batches ``bn_batches()`` yields."""
        models = []
        for checkpoint in checkpoints:
            weights, net = load_weights(Path(checkpoint))
            with torch.random.fork_rng(devices=[]):  # the run's random stream stays as without teachers
                model = build_net(net, classes)
            held = model.state_dict()
            mismatched = [k for k in held if k not in weights or weights[k].shape != held[k].shape]
            if mismatched:
                raise ConfigError(
                    f"teacher {checkpoint} does not fit a {net} net with {classes} classes (first difference: "
                    f"{mismatched[0]}); a teacher must predict the run's classes"
                )
            model = averaged_model(model.to(device), {k: v.to(device) for k, v in weights.items()}, bn_batches())
            models.append(model.to(memory_format=torch.channels_last).requires_grad_(False))  # type: ignore[call-overload]
        return cls(models, temperature)

    @torch.no_grad()
    def targets(self, x: torch.Tensor, bf16: bool) -> torch.Tensor:
        """The teachers' mean softmax over ``x`` at the temperature (N x classes, float32)."""
        with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=bf16):
            probs = [F.softmax(model(x).float() / self.temperature, dim=1) for model in self.models]
        return torch.stack(probs).mean(0)

    def read_clean(self, images: torch.Tensor, bf16: bool, batch_size: int = 512) -> None:
        """Keep the targets of every image of ``images`` (N x 1 x H x W raw pixels) as it is, averaged with its
        mirror image's, for ``clean_targets``."""
        device = next(self.models[0].parameters()).device
        chunks = []
        for i in range(0, len(images), batch_size):
            x = images[i : i + batch_size].to(device).contiguous(memory_format=torch.channels_last)
            chunks.append((self.targets(x, bf16) + self.targets(x.flip(3), bf16)) / 2)
        self.clean = torch.cat(chunks)

    def clean_targets(self, indices: torch.Tensor, mixed: Mixed | None) -> torch.Tensor:
        """The clean reading (``read_clean``) of the images ``indices`` names, mixed as their batch was."""
        if self.clean is None:
            raise RuntimeError("read_clean must run before clean_targets")
        held = self.clean[indices.to(self.clean.device)]
        return held if mixed is None else mixed.lam * held + (1 - mixed.lam) * held[mixed.partner]


def distill_loss(logits: torch.Tensor, targets: torch.Tensor, temperature: float) -> torch.Tensor:
    """KL(targets || softmax(logits / T)) per image, times T squared so that its gradients keep the scale of
    the label loss at any temperature."""
    log_probs = F.log_softmax(logits.float() / temperature, dim=1)
    return F.kl_div(log_probs, targets, reduction="batchmean") * temperature**2
