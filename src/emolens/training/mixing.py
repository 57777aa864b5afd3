"""Mixup and CutMix on a batch, and the soft-target cross-entropy that trains on their mixed labels with the
same label smoothing and class weighting as the hard-label loss."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["Mixed", "mix_batch", "soft_cross_entropy"]


@dataclass(frozen=True)
class Mixed:
    """A mixed batch: images, soft targets (N x classes, rows sum to 1), the partner of each image and the
    share ``lam`` of each image's own content."""

    x: torch.Tensor
    targets: torch.Tensor
    partner: torch.Tensor
    lam: float


def _beta(alpha: float, gen: torch.Generator) -> float:
    """A Beta(alpha, alpha) draw seeded from ``gen``, so a resumed run draws the same."""
    seed = int(torch.randint(0, 2**31 - 1, (1,), generator=gen))
    return float(np.random.default_rng(seed).beta(alpha, alpha))


def _cut_box(h: int, w: int, lam: float, gen: torch.Generator) -> tuple[int, int, int, int]:
    """A box (y1, y2, x1, x2) of about (1 - lam) of the image, centred uniformly and clipped to it."""
    side = np.sqrt(1 - lam)
    cy, cx = (torch.rand(2, generator=gen) * torch.tensor([h, w])).tolist()
    half_h, half_w = side * h / 2, side * w / 2
    y1, y2 = int(np.clip(round(cy - half_h), 0, h)), int(np.clip(round(cy + half_h), 0, h))
    x1, x2 = int(np.clip(round(cx - half_w), 0, w)), int(np.clip(round(cx + half_w), 0, w))
    return y1, y2, x1, x2


def mix_batch(
    x: torch.Tensor, y: torch.Tensor, classes: int, mixup_alpha: float, cutmix_alpha: float, gen: torch.Generator
) -> Mixed:
    """Mix each image with a partner from the same batch (a random permutation): Mixup blends whole images
    with a share lam ~ Beta(mixup_alpha), CutMix pastes a box of the partner covering 1 - lam ~ Beta(cutmix_alpha)
    of the image; with both alphas set each batch takes one of the two at even odds. The targets mix the
    one-hot labels by the exact share of pixels (CutMix's box is clipped at the border)."""
    n, _, h, w = x.shape
    partner = torch.randperm(n, generator=gen)
    use_cutmix = cutmix_alpha > 0 and (mixup_alpha <= 0 or bool(torch.rand(1, generator=gen) < 0.5))
    lam = _beta(cutmix_alpha if use_cutmix else mixup_alpha, gen)
    if use_cutmix:
        y1, y2, x1, x2 = _cut_box(h, w, lam, gen)
        mixed = x.clone()
        mixed[:, :, y1:y2, x1:x2] = x[partner, :, y1:y2, x1:x2]
        lam = 1 - (y2 - y1) * (x2 - x1) / (h * w)
    else:
        mixed = lam * x + (1 - lam) * x[partner]
    one_hot = F.one_hot(y, classes).float()
    return Mixed(mixed, lam * one_hot + (1 - lam) * one_hot[partner], partner, lam)


def soft_cross_entropy(
    logits: torch.Tensor, targets: torch.Tensor, weight: torch.Tensor | None = None, label_smoothing: float = 0.0
) -> torch.Tensor:
    """Cross-entropy against soft targets (N x classes), smoothed towards uniform by ``label_smoothing`` and
    weighted per class by ``weight`` as ``F.cross_entropy`` weighs hard labels: for one-hot targets it
    equals ``F.cross_entropy(logits, labels, weight, label_smoothing=...)`` (tested), mean over the batch
    normalised by the targets' total weight."""
    classes = logits.shape[1]
    w = torch.ones(classes, device=logits.device) if weight is None else weight
    nll = -F.log_softmax(logits.float(), dim=1) * w
    per_image = (1 - label_smoothing) * (nll * targets).sum(1) + label_smoothing / classes * nll.sum(1)
    return per_image.sum() / (targets * w).sum()
