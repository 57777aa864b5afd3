"""Batched data augmentation on tensors: random affine warp, flip, photometric jitter, erasing."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

__all__ = ["AugmentConfig", "augment"]


@dataclass(frozen=True)
class AugmentConfig:
    """Strength of each augmentation; zero turns one off."""

    rotate_deg: float = 15.0
    scale: float = 0.15
    translate: float = 0.1
    flip: bool = True
    brightness: float = 0.25
    contrast: float = 0.25
    erase_p: float = 0.5


def _affine_matrices(n: int, cfg: AugmentConfig, gen: torch.Generator) -> torch.Tensor:
    def uniform(low: float, high: float) -> torch.Tensor:
        return torch.rand(n, generator=gen) * (high - low) + low

    angle = uniform(-cfg.rotate_deg, cfg.rotate_deg) * math.pi / 180
    scale = uniform(1 - cfg.scale, 1 + cfg.scale)
    flip = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0) if cfg.flip else torch.ones(n)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = cos * flip
    theta[:, 0, 1] = -sin
    theta[:, 1, 0] = sin * flip
    theta[:, 1, 1] = cos
    theta[:, 0, 2] = uniform(-cfg.translate, cfg.translate) * 2
    theta[:, 1, 2] = uniform(-cfg.translate, cfg.translate) * 2
    return theta


def _erase(x: torch.Tensor, p: float, gen: torch.Generator) -> torch.Tensor:
    n, _, h, w = x.shape
    hit = torch.rand(n, generator=gen) < p
    eh = (torch.rand(n, generator=gen) * 0.3 + 0.1) * h
    ew = (torch.rand(n, generator=gen) * 0.3 + 0.1) * w
    cy = torch.rand(n, generator=gen) * h
    cx = torch.rand(n, generator=gen) * w
    ys = torch.arange(h).view(1, h, 1)
    xs = torch.arange(w).view(1, 1, w)
    box = ((ys - cy.view(n, 1, 1)).abs() < eh.view(n, 1, 1) / 2) & (
        (xs - cx.view(n, 1, 1)).abs() < ew.view(n, 1, 1) / 2
    )
    mask = (box & hit.view(n, 1, 1)).unsqueeze(1)
    fill = torch.rand(n, 1, 1, 1, generator=gen) * 255
    return torch.where(mask, fill.expand_as(x), x)


def augment(x: torch.Tensor, cfg: AugmentConfig, gen: torch.Generator) -> torch.Tensor:
    """Augment a batch of raw-pixel images (N x 1 x H x W float32, 0..255); returns a new batch."""
    n = x.shape[0]
    grid = F.affine_grid(_affine_matrices(n, cfg, gen), list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
    if cfg.brightness or cfg.contrast:
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        c = 1 + (torch.rand(n, 1, 1, 1, generator=gen) * 2 - 1) * cfg.contrast
        b = (torch.rand(n, 1, 1, 1, generator=gen) * 2 - 1) * cfg.brightness * 255
        x = ((x - mean) * c + mean + b).clamp(0, 255)
    if cfg.erase_p:
        x = _erase(x, cfg.erase_p, gen)
    return x
