"""Batched camera degradations on raw-pixel tensors (N x 1 x H x W float32, 0..255): gamma, Gaussian blur with a
random sigma, JPEG quantisation, sensor noise and bar-shaped occluders. Each draws its randomness from the
caller's generator, so a seeded run is repeatable and resumable; each returns a new tensor."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

__all__ = ["blur", "gamma", "jpeg", "jpeg_table", "noise", "occlude_bars"]

# The IJG (libjpeg) luminance quantisation table at quality 50, row by row.
_LUMA_50 = torch.tensor(
    [
        [16, 11, 10, 16, 24, 40, 51, 61],
        [12, 12, 14, 19, 26, 58, 60, 55],
        [14, 13, 16, 24, 40, 57, 69, 56],
        [14, 17, 22, 29, 51, 87, 80, 62],
        [18, 22, 37, 56, 68, 109, 103, 77],
        [24, 35, 55, 64, 81, 104, 113, 92],
        [49, 64, 78, 87, 103, 121, 120, 101],
        [72, 92, 95, 98, 112, 100, 103, 99],
    ],
    dtype=torch.float32,
)


def _chosen(n: int, p: float, gen: torch.Generator) -> torch.Tensor:
    return torch.rand(n, generator=gen) < p


def gamma(x: torch.Tensor, strength: float, gen: torch.Generator) -> torch.Tensor:
    """Raise every image's pixels (as 0..1) to exp(u), u uniform in +-``strength``: 0.8 spans gamma 0.45-2.2."""
    exponent = torch.exp((torch.rand(x.shape[0], 1, 1, 1, generator=gen) * 2 - 1) * strength)
    return 255 * (x.clamp(0, 255) / 255) ** exponent


def _gaussian_kernels(sigma: torch.Tensor, radius: int) -> torch.Tensor:
    """N x (2 radius + 1) normalised 1-D Gaussians; a sigma near zero gives the identity kernel."""
    taps = torch.arange(-radius, radius + 1, dtype=torch.float32)
    weights = torch.exp(-(taps**2) / (2 * sigma.clamp(min=1e-3).unsqueeze(1) ** 2))
    return weights / weights.sum(1, keepdim=True)


def blur(x: torch.Tensor, max_sigma: float, p: float, gen: torch.Generator) -> torch.Tensor:
    """Blur a share ``p`` of the images with a Gaussian of sigma uniform in 0..``max_sigma`` px (separable,
    one grouped convolution per axis, reflected borders)."""
    n, c, h, w = x.shape
    sigma = torch.rand(n, generator=gen) * max_sigma * _chosen(n, p, gen)
    radius = max(1, min(math.ceil(3 * max_sigma), (min(h, w) - 1) // 2))
    kernels = _gaussian_kernels(sigma, radius).repeat_interleave(c, 0)
    flat = x.reshape(1, n * c, h, w)
    flat = F.conv2d(F.pad(flat, (radius, radius, 0, 0), mode="reflect"), kernels.view(n * c, 1, 1, -1), groups=n * c)
    flat = F.conv2d(F.pad(flat, (0, 0, radius, radius), mode="reflect"), kernels.view(n * c, 1, -1, 1), groups=n * c)
    return flat.reshape(n, c, h, w)


def jpeg_table(quality: torch.Tensor) -> torch.Tensor:
    """N x 8 x 8 luminance quantisation tables for qualities 1..100, scaled as libjpeg scales them."""
    q = quality.clamp(1, 100).view(-1, 1, 1)
    scale = torch.where(q < 50, 5000 / q, 200 - 2 * q)
    return torch.floor((_LUMA_50 * scale + 50) / 100).clamp(min=1)


def _dct_2d() -> torch.Tensor:
    """The orthonormal 2-D DCT of an 8 x 8 block as one 64 x 64 matrix acting on the block's row-major pixels."""
    k = torch.arange(8, dtype=torch.float32)
    matrix = torch.cos((2 * k.view(1, 8) + 1) * k.view(8, 1) * math.pi / 16) * math.sqrt(2 / 8)
    matrix[0] /= math.sqrt(2)
    return torch.kron(matrix, matrix)


_DCT_2D = _dct_2d()


def _jpeg_blocks(x: torch.Tensor, table: torch.Tensor) -> torch.Tensor:
    """Greyscale baseline JPEG's lossy steps on 8 x 8 blocks: level shift, DCT, quantise by ``table``
    (N x 8 x 8), dequantise, inverse DCT, round and clamp; H and W must be multiples of 8."""
    n, c, h, w = x.shape
    d = _DCT_2D.to(x.device)
    blocks = (x - 128).reshape(n, c, h // 8, 8, w // 8, 8).permute(0, 1, 2, 4, 3, 5).reshape(n, -1, 64)
    q = table.reshape(n, 1, 64)
    restored = (torch.round((blocks @ d.T) / q) * q) @ d
    restored = restored.reshape(n, c, h // 8, w // 8, 8, 8).permute(0, 1, 2, 4, 3, 5).reshape(n, c, h, w)
    return (restored + 128).round().clamp(0, 255)


def jpeg(x: torch.Tensor, min_quality: float, p: float, gen: torch.Generator) -> torch.Tensor:
    """JPEG-compress a share ``p`` of the images at a quality uniform in ``min_quality``..95, half of them at
    twice the size (a face that was 96 px in the frame, then shrunk to the crop): batched 8 x 8 DCT
    quantisation, which matches OpenCV's encode-decode round trip within a grey level or two (tested)."""
    n = x.shape[0]
    hit = _chosen(n, p, gen)
    quality = min_quality + torch.rand(n, generator=gen) * (95 - min_quality)
    doubled = torch.rand(n, generator=gen) < 0.5
    out = x.clone()
    for twice in (False, True):
        pick = torch.nonzero(hit & (doubled == twice)).flatten()
        if not len(pick):
            continue
        part = x[pick]
        if twice:
            part = F.interpolate(part, scale_factor=2, mode="bilinear", align_corners=False)
        part = _jpeg_blocks(_pad_to_8(part), jpeg_table(quality[pick]))[..., : part.shape[2], : part.shape[3]]
        out[pick] = F.avg_pool2d(part, 2) if twice else part
    return out


def _pad_to_8(x: torch.Tensor) -> torch.Tensor:
    h, w = x.shape[2:]
    return F.pad(x, (0, -w % 8, 0, -h % 8), mode="replicate")


def noise(x: torch.Tensor, max_sigma: float, p: float, gen: torch.Generator) -> torch.Tensor:
    """Add Gaussian noise of sigma uniform in 0..``max_sigma`` grey levels to a share ``p`` of the images."""
    n = x.shape[0]
    sigma = torch.rand(n, 1, 1, 1, generator=gen) * max_sigma * _chosen(n, p, gen).view(n, 1, 1, 1)
    return (x + sigma * torch.randn(x.shape, generator=gen)).clamp(0, 255)


def occlude_bars(x: torch.Tensor, p: float, gen: torch.Generator) -> torch.Tensor:
    """Cover a share ``p`` of the images with one bar at a random angle: 10-30% of the side wide and 40-120%
    long, shaded from one edge to the other, like a hand, a finger, a strand of hair or a pen across the face
    (the existing erasing draws upright, unshaded rectangles)."""
    n, _, h, w = x.shape
    hit = _chosen(n, p, gen)

    def draw(low: float, high: float) -> torch.Tensor:
        return (torch.rand(n, generator=gen) * (high - low) + low).view(n, 1, 1)

    angle = draw(0, math.pi)
    cx, cy = draw(0.1, 0.9) * w, draw(0.1, 0.9) * h
    half_width, half_length = draw(0.05, 0.15) * w, draw(0.2, 0.6) * w
    level, shade = draw(20, 235), draw(-40, 40)
    ys = torch.arange(h, dtype=torch.float32).view(1, h, 1) - cy
    xs = torch.arange(w, dtype=torch.float32).view(1, 1, w) - cx
    along = xs * torch.cos(angle) + ys * torch.sin(angle)
    across = -xs * torch.sin(angle) + ys * torch.cos(angle)
    mask = (along.abs() < half_length) & (across.abs() < half_width) & hit.view(n, 1, 1)
    fill = (level + shade * across / half_width).clamp(0, 255)
    return torch.where(mask.unsqueeze(1), fill.unsqueeze(1), x)
