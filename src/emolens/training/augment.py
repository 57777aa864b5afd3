"""Batched data augmentation on tensors: a random affine warp (with the aligner's box error), flip, photometric
jitter and camera degradations (gamma, blur, JPEG, noise), erasing and bar occluders.

Every option at zero is off and draws nothing from the generator, so a config that leaves the newer options
out gives the same batches as before they existed (the shipped model's run reproduces).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from emolens.errors import ConfigError
from emolens.training import photometric

__all__ = ["AugmentConfig", "augment", "box_jitter_matrices", "warp"]


@dataclass(frozen=True)
class AugmentConfig:
    """Strength of each augmentation; zero turns one off.

    ``box_scale_sd`` and ``box_shift_sd`` imitate the aligner's error at serve time: the face is scaled by
    exp(N(0, box_scale_sd)) and moved by N(0, box_shift_sd) of the crop side along x and y (docs/pipeline.md,
    "Model v3: the recipe", has the measured figures). ``gamma``: exponent exp(+-gamma);
    ``blur_sigma``, ``noise_sigma``: the largest sigma (px, grey levels); ``jpeg_quality``: the lowest quality
    (0: off); ``*_p``: the share of images each of those touches; ``occlude_p``: the share given a bar occluder.
    """

    rotate_deg: float = 15.0
    scale: float = 0.15
    translate: float = 0.1
    flip: bool = True
    brightness: float = 0.25
    contrast: float = 0.25
    erase_p: float = 0.5
    box_scale_sd: float = 0.0
    box_shift_sd: float = 0.0
    gamma: float = 0.0
    blur_sigma: float = 0.0
    blur_p: float = 0.3
    jpeg_quality: float = 0.0
    jpeg_p: float = 0.3
    noise_sigma: float = 0.0
    noise_p: float = 0.3
    occlude_p: float = 0.0

    def __post_init__(self) -> None:
        negative = [name for name, value in vars(self).items() if not isinstance(value, bool) and value < 0]
        if negative:
            shown = ", ".join(f"{name}={getattr(self, name)}" for name in negative)
            raise ConfigError(f"augment options must be >= 0, got {shown}")
        shares = [n for n in ("erase_p", "blur_p", "jpeg_p", "noise_p", "occlude_p") if getattr(self, n) > 1]
        if shares or self.jpeg_quality > 95:
            raise ConfigError(
                f"augment shares must be in [0, 1] ({', '.join(shares) or 'ok'}) and jpeg_quality in 0..95 "
                f"(got {self.jpeg_quality:g})"
            )


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


def box_jitter_matrices(scale: torch.Tensor, shift_xy: torch.Tensor) -> torch.Tensor:
    """The sampling matrices (N x 2 x 3, affine_grid's convention: output to input, coordinates -1..1) of a warp
    that scales the content by ``scale`` (N) about the centre and moves it by ``shift_xy`` (N x 2, fractions of
    the side; +x right, +y down)."""
    theta = torch.zeros(len(scale), 2, 3)
    theta[:, 0, 0] = theta[:, 1, 1] = 1 / scale
    theta[:, :, 2] = -2 * shift_xy / scale.unsqueeze(1)
    return theta


def _then(first: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
    """The sampling matrix of warping by ``first``, then by ``second`` (both output-to-input)."""
    linear = first[:, :, :2] @ second[:, :, :2]
    offset = first[:, :, :2] @ second[:, :, 2:] + first[:, :, 2:]
    return torch.cat([linear, offset], dim=2)


def warp(x: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    """Resample a batch through sampling matrices ``theta`` (bilinear, reflected borders)."""
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)


def _geometry(n: int, cfg: AugmentConfig, gen: torch.Generator) -> torch.Tensor:
    theta = _affine_matrices(n, cfg, gen)
    if cfg.box_scale_sd or cfg.box_shift_sd:
        scale = torch.exp(torch.randn(n, generator=gen) * cfg.box_scale_sd)
        shift = torch.randn(n, 2, generator=gen) * cfg.box_shift_sd
        theta = _then(theta, box_jitter_matrices(scale, shift))
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


def _camera(x: torch.Tensor, cfg: AugmentConfig, gen: torch.Generator) -> torch.Tensor:
    """Optics, sensor and compression, in the order a camera applies them: blur, noise, JPEG."""
    if cfg.blur_sigma:
        x = photometric.blur(x, cfg.blur_sigma, cfg.blur_p, gen)
    if cfg.noise_sigma:
        x = photometric.noise(x, cfg.noise_sigma, cfg.noise_p, gen)
    if cfg.jpeg_quality:
        x = photometric.jpeg(x, cfg.jpeg_quality, cfg.jpeg_p, gen)
    return x


def augment(x: torch.Tensor, cfg: AugmentConfig, gen: torch.Generator) -> torch.Tensor:
    """Augment a batch of raw-pixel images (N x 1 x H x W float32, 0..255); returns a new batch in 0..255."""
    n = x.shape[0]
    x = warp(x, _geometry(n, cfg, gen))
    if cfg.brightness or cfg.contrast:
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        c = 1 + (torch.rand(n, 1, 1, 1, generator=gen) * 2 - 1) * cfg.contrast
        b = (torch.rand(n, 1, 1, 1, generator=gen) * 2 - 1) * cfg.brightness * 255
        x = ((x - mean) * c + mean + b).clamp(0, 255)
    if cfg.gamma:
        x = photometric.gamma(x, cfg.gamma, gen)
    if cfg.erase_p:
        x = _erase(x, cfg.erase_p, gen)
    if cfg.occlude_p:
        x = photometric.occlude_bars(x, cfg.occlude_p, gen)
    return _camera(x, cfg, gen)
