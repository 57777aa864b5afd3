"""What each training augmentation costs per batch of 128 crops (48 x 48) on the CPU, and the JPEG choice:
the batched 8 x 8 DCT quantisation in torch against OpenCV's encode-decode round trip, image by image.

    PYTHONPATH=src nice python benchmarks/augment_cost.py [--threads 1] [--repeats 20]

Median milliseconds per batch over ``--repeats`` batches (after one warm-up), with torch on ``--threads``
threads; every option at the strength configs/v3-robust.toml gives it and a share of 1, so each figure is
the cost when every image is touched.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import replace

import cv2
import numpy as np
import torch

from emolens.training.augment import AugmentConfig, augment

OFF = AugmentConfig(rotate_deg=0, scale=0, translate=0, flip=False, brightness=0, contrast=0, erase_p=0)
OPTIONS = {
    "warp (flagship affine)": replace(OFF, rotate_deg=15, scale=0.15, translate=0.1, flip=True),
    "warp + box jitter": replace(
        OFF, rotate_deg=15, scale=0.15, translate=0.1, flip=True, box_scale_sd=0.15, box_shift_sd=0.035
    ),
    "gamma": replace(OFF, gamma=0.6),
    "blur (sigma <= 1.5)": replace(OFF, blur_sigma=1.5, blur_p=1.0),
    "noise (sigma <= 12)": replace(OFF, noise_sigma=12, noise_p=1.0),
    "JPEG, torch DCT (q >= 20)": replace(OFF, jpeg_quality=20, jpeg_p=1.0),
    "bar occluders": replace(OFF, occlude_p=1.0),
    "erasing (flagship)": replace(OFF, erase_p=1.0),
}


def median_ms(work: Callable[[], object], repeats: int) -> float:
    work()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times)


def opencv_jpeg(batch: torch.Tensor, quality: int = 40) -> torch.Tensor:
    images = batch[:, 0].round().clamp(0, 255).to(torch.uint8).numpy()
    out = [
        cv2.imdecode(cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])[1], cv2.IMREAD_GRAYSCALE)
        for image in images
    ]
    return torch.from_numpy(np.stack(out)).float().unsqueeze(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(1)
    batch = torch.rand(128, 1, 48, 48, generator=torch.Generator().manual_seed(0)) * 255
    gen = torch.Generator().manual_seed(0)
    for name, cfg in OPTIONS.items():
        ms = median_ms(lambda cfg=cfg: augment(batch, cfg, gen), args.repeats)
        print(f"{name:28s} {ms:7.2f} ms / batch of 128")
    ms = median_ms(lambda: opencv_jpeg(batch), args.repeats)
    print(f"{'JPEG, OpenCV round trip':28s} {ms:7.2f} ms / batch of 128")


if __name__ == "__main__":
    main()
