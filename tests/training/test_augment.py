"""Batched augmentations for robustness: each is the identity at strength 0 and changes the batch above it,
keeping shape, dtype and range; the blur blurs, the JPEG matches OpenCV's, the box jitter moves a square by
the amount asked for."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest
import torch
from tests.conftest import synthetic_face

from emolens.errors import ConfigError
from emolens.training import photometric
from emolens.training.augment import AugmentConfig, augment, box_jitter_matrices, warp

OFF = AugmentConfig(rotate_deg=0, scale=0, translate=0, flip=False, brightness=0, contrast=0, erase_p=0)
ON = {
    "box_scale_sd": {"box_scale_sd": 0.1},
    "box_shift_sd": {"box_shift_sd": 0.05},
    "gamma": {"gamma": 0.8},
    "blur_sigma": {"blur_sigma": 2.0, "blur_p": 1.0},
    "jpeg_quality": {"jpeg_quality": 10, "jpeg_p": 1.0},
    "noise_sigma": {"noise_sigma": 20.0, "noise_p": 1.0},
    "occlude_p": {"occlude_p": 1.0},
}


@pytest.fixture(scope="module")
def faces() -> torch.Tensor:
    """16 generated faces, N x 1 x 48 x 48 float32 in 0..255."""
    return torch.from_numpy(np.stack([synthetic_face(i % 7, i) for i in range(16)])).float().unsqueeze(1)


def square(side: int = 48, box: tuple[int, int, int, int] = (16, 28, 20, 30)) -> torch.Tensor:
    """A white rectangle (rows y1:y2, columns x1:x2) on black, 1 x 1 x side x side."""
    y1, y2, x1, x2 = box
    image = torch.zeros(1, 1, side, side)
    image[..., y1:y2, x1:x2] = 255
    return image


def centroid_xy(x: torch.Tensor) -> torch.Tensor:
    """Intensity-weighted centre (x, y) of each image, in pixels: N x 2."""
    h, w = x.shape[2:]
    mass = x.sum(dim=(1, 2, 3))
    cx = (x.sum(dim=(1, 2)) * torch.arange(w)).sum(1) / mass
    cy = (x.sum(dim=(1, 3)) * torch.arange(h)).sum(1) / mass
    return torch.stack([cx, cy], 1)


def sharpness(x: torch.Tensor) -> np.ndarray:
    """Variance of the Laplacian of each image (higher: sharper)."""
    return np.array([cv2.Laplacian(image[0].numpy().astype(np.float64), cv2.CV_64F).var() for image in x])


@pytest.mark.parametrize("name", sorted(ON))
def test_each_option_is_the_identity_at_zero_and_changes_the_batch_above(faces: torch.Tensor, name: str) -> None:
    gen = torch.Generator().manual_seed(0)
    same = augment(faces, replace(OFF, **{**ON[name], name: 0.0}), gen)
    assert torch.allclose(same, faces, atol=1e-3)
    changed = augment(faces, replace(OFF, **ON[name]), torch.Generator().manual_seed(0))
    assert changed.shape == faces.shape and changed.dtype == torch.float32
    assert changed.min() >= 0 and changed.max() <= 255
    moved = (changed - faces).abs().flatten(1).amax(1)
    assert (moved > 1).float().mean() >= 0.75, f"{name} left most images as they were: {moved}"


def test_options_at_zero_draw_nothing_from_the_generator(faces: torch.Tensor) -> None:
    """So a config without the new options gives the batches it gave before they existed: the flagship's
    augmentation draws 13 uniform vectors (warp 5, lighting 2, erasing 6) and nothing more."""
    gen, expected = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    augment(faces, AugmentConfig(), gen)
    for _ in range(13):
        torch.rand(len(faces), generator=expected)
    assert gen.get_state().equal(expected.get_state())


def test_the_blur_lowers_sharpness(faces: torch.Tensor) -> None:
    blurred = photometric.blur(faces, 2.0, 1.0, torch.Generator().manual_seed(1))
    before, after = sharpness(faces), sharpness(blurred)
    assert (after <= before * 1.001).all()
    assert after.mean() < 0.5 * before.mean()


def test_the_jpeg_quantisation_matches_opencv(faces: torch.Tensor) -> None:
    """Within a fraction of a grey level on average: libjpeg's integer DCT rounds a few coefficients the other
    way (under 3% of pixels differ by more than 3 levels), while the compression itself moves pixels 3-12 levels."""
    assert photometric.jpeg_table(torch.tensor([50.0]))[0, 0].tolist() == [16, 11, 10, 16, 24, 40, 51, 61]
    for quality in (10, 40, 90):
        ours = photometric._jpeg_blocks(faces, photometric.jpeg_table(torch.full((len(faces),), float(quality))))
        encoded = [
            cv2.imencode(".jpg", f[0].numpy().astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, quality])[1] for f in faces
        ]
        theirs = torch.from_numpy(np.stack([cv2.imdecode(e, cv2.IMREAD_GRAYSCALE) for e in encoded])).float()
        diff = (ours[:, 0] - theirs).abs()
        lost, lost_opencv = (ours - faces).abs().mean(), (theirs - faces[:, 0]).abs().mean()
        assert lost > 2 and float(lost) == pytest.approx(float(lost_opencv), rel=0.02), quality
        assert diff.mean() < min(0.5, 0.15 * lost) and (diff > 3).float().mean() < 0.03, (quality, diff.mean())


def test_the_box_jitter_moves_and_scales_a_square_by_the_amount_asked() -> None:
    image = square()
    start = centroid_xy(image)[0]
    moved = warp(image, box_jitter_matrices(torch.tensor([1.0]), torch.tensor([[0.1, -0.05]])))
    assert torch.allclose(centroid_xy(moved)[0] - start, torch.tensor([4.8, -2.4]), atol=0.05)
    grown = warp(image, box_jitter_matrices(torch.tensor([1.25]), torch.zeros(1, 2)))
    centre = torch.tensor([23.5, 23.5])
    assert torch.allclose(centroid_xy(grown)[0], centre + 1.25 * (start - centre), atol=0.05)
    assert grown.sum() / image.sum() == pytest.approx(1.25**2, rel=0.02)


def test_augment_draws_the_jitter_with_the_configured_spread() -> None:
    images = square().repeat(512, 1, 1, 1)
    start = centroid_xy(images[:1])[0]
    cfg = replace(OFF, box_shift_sd=0.05, box_scale_sd=0.1)
    out = augment(images, cfg, torch.Generator().manual_seed(0))
    shift_px = centroid_xy(out) - start
    assert shift_px.std(0).tolist() == pytest.approx([2.4, 2.4], rel=0.12)
    scale = (out.sum(dim=(1, 2, 3)) / images[0].sum()).sqrt().log()
    assert float(scale.std()) == pytest.approx(0.1, rel=0.12) and abs(float(scale.mean())) < 0.02


def test_bad_augment_values_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"must be >= 0, got blur_sigma=-1"):
        AugmentConfig(blur_sigma=-1)
    with pytest.raises(ConfigError, match=r"shares must be in \[0, 1\] \(jpeg_p\)"):
        AugmentConfig(jpeg_p=1.5)
