"""`emolens explain`: probabilities, activation maps, heat maps and deletion curves for one face; with --data, the
faithfulness of each heat-map method over a data set."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import cv2
import numpy as np

from emolens.data.facesets import SPLITS
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


_METHODS = {"cam": ("cam",), "occlusion": ("occlusion",), "both": ("cam", "occlusion")}


def _explain_data(
    explainer: Any, data: str, split: str, limit: int | None, methods: tuple[str, ...], out: Path
) -> None:
    from tqdm import tqdm

    from emolens.evaluation.faithfulness import measure_faithfulness
    from emolens.evaluation.samples import load_test_faces
    from emolens.reports.explanation import write_faithfulness_report

    faces = load_test_faces(data, explainer.card, split, limit)  # type: ignore[arg-type]
    with tqdm(total=len(faces), unit="face", leave=False) as bar:
        result = measure_faithfulness(explainer, faces, methods, progress=bar.update)
    card = explainer.card
    header = {"model": card.name, "model_version": card.version, "data": data, "split": split}
    path = write_faithfulness_report(result, out, header)
    for name, area in result.mean_area.items():
        beats = f"  below random on {result.beats_random[name]:.1%} of faces" if name in result.beats_random else ""
        click.echo(f"{name:<10} deletion AUC {area:.4f}{beats}")
    click.echo(f"{len(faces)} faces; report: {path}")


@click.command("explain")
@click.argument("image", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--model", type=click.Path(dir_okay=False), help="An .onnx model with its .json card (default: the shipped model)."
)
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Report folder (default: explain-<image name>)."
)
@click.option("--crop", is_flag=True, help="IMAGE is already a face crop: skip detection and alignment.")
@click.option("--target", help="Explain this class instead of the predicted one.")
@click.option(
    "--method",
    type=click.Choice(sorted(_METHODS)),
    default="both",
    show_default=True,
    help="Heat map: cam (exact class-activation map, coarse), occlusion (model-agnostic, finer, ~0.5 s), or both.",
)
@click.option(
    "--data",
    type=click.Path(exists=True),
    help="Instead of IMAGE: measure each method's deletion curve over these labelled crops (FER2013 layouts).",
)
@click.option("--split", type=click.Choice(SPLITS), default="test", show_default=True, help="Split of --data.")
@click.option("--limit", type=click.IntRange(1), help="With --data: a balanced sample of this many faces.")
def command(
    image: Path | None,
    model: str | None,
    out: Path | None,
    crop: bool,
    target: str | None,
    method: str,
    data: str | None,
    split: str,
    limit: int | None,
) -> None:
    """Explain the model's reading of the (largest) face in IMAGE: probability bars, layer activations, heat
    maps and their deletion curves; or, with --data, how faithful each heat map is over a data set."""
    from emolens.evaluation.explain import Explainer
    from emolens.evaluation.faithfulness import deletion_curves
    from emolens.reports.explanation import write_explanation_report

    if image is not None and data is not None:
        raise click.UsageError("give either an IMAGE to explain or --data to measure faithfulness, not both")
    if image is None and data is None:
        raise click.UsageError("give an IMAGE to explain, or --data to measure faithfulness over a data set")
    explainer = Explainer(model)
    if data is not None or image is None:
        _explain_data(explainer, str(data), split, limit, _METHODS[method], out or Path("explain-faithfulness"))
        return
    wanted = parse_emotion(target) if target else None
    if target and wanted is None:
        raise click.BadParameter(f"unknown class {target!r}", param_hint="--target")
    result = explainer.explain(_face_crop(image, explainer.card.input_size, crop), wanted, _METHODS[method])
    index = explainer.card.labels.index(result.target)
    curves = deletion_curves(explainer.probabilities, result.face, index, result.heatmaps, np.random.default_rng(0))
    card = explainer.card
    out = out or Path(f"explain-{image.stem}")
    path = write_explanation_report(
        result, out, {"model": card.name, "model_version": card.version, "image": str(image)}, curves
    )
    for emotion, p in sorted(result.probabilities.items(), key=lambda kv: -kv[1]):
        click.echo(f"{emotion.value:<9} {p:6.1%} {'#' * round(p * 40)}")
    click.echo(f"{', '.join(result.heatmaps)} heat maps for {result.target.value}; report: {path}")
