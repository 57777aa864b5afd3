"""`emolens explain`: probabilities, activation maps and a class-activation heat map for one face."""

from __future__ import annotations

from pathlib import Path

import click
import cv2
import numpy as np

from emolens.errors import InvalidImageError
from emolens.types import parse_emotion
from emolens.vision.io import read_image

__all__ = ["command"]


def _face_crop(image: Path, size: int, crop: bool) -> np.ndarray:
    """The image when it is a face crop (``crop``, or at most 2 x ``size`` px), else its largest face, aligned."""
    pixels = read_image(image)
    gray = cv2.cvtColor(pixels, cv2.COLOR_BGR2GRAY) if pixels.ndim == 3 else pixels
    if crop or max(gray.shape) <= 2 * size:
        return cv2.resize(gray, (size, size), interpolation=cv2.INTER_AREA)
    from emolens.vision.align import align_faces
    from emolens.vision.detect import make_detector

    faces = sorted(make_detector("mediapipe").detect(pixels), key=lambda f: f.bbox.area, reverse=True)
    if not faces:
        raise InvalidImageError(
            f"no face found in {image}; give a photo with a visible face, or a face crop with --crop"
        )
    return align_faces(pixels, faces[:1], size)[0]


@click.command("explain")
@click.argument("image", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--model", type=click.Path(dir_okay=False), help="An .onnx model with its .json card (default: the shipped model)."
)
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Report folder (default: explain-<image name>)."
)
@click.option("--crop", is_flag=True, help="IMAGE is already a face crop: skip detection and alignment.")
@click.option("--target", help="Explain this class instead of the predicted one.")
def command(image: Path, model: str | None, out: Path | None, crop: bool, target: str | None) -> None:
    """Explain the model's reading of the (largest) face in IMAGE: probability bars, layer activations, CAM."""
    from emolens.evaluation.explain import Explainer
    from emolens.reports.explanation import write_explanation_report

    explainer = Explainer(model)
    wanted = parse_emotion(target) if target else None
    if target and wanted is None:
        raise click.BadParameter(f"unknown class {target!r}", param_hint="--target")
    result = explainer.explain(_face_crop(image, explainer.card.input_size, crop), wanted)
    card = explainer.card
    out = out or Path(f"explain-{image.stem}")
    path = write_explanation_report(
        result, out, {"model": card.name, "model_version": card.version, "image": str(image)}
    )
    for emotion, p in sorted(result.probabilities.items(), key=lambda kv: -kv[1]):
        click.echo(f"{emotion.value:<9} {p:6.1%} {'#' * round(p * 40)}")
    click.echo(f"{result.method} heat map for {result.target.value}; report: {path}")
