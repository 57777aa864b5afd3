"""`emolens predict`: emotions of every face in images."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import cv2

from emolens.cli.options import analyzer_options, attach_people, build_analyzer, people_options
from emolens.errors import EmolensError
from emolens.types import Prediction
from emolens.vision.annotate import annotate
from emolens.vision.io import list_images, read_image

__all__ = ["command"]


def _expand(inputs: tuple[str, ...]) -> list[Path]:
    paths: list[Path] = []
    for item in inputs:
        path = Path(item)
        paths += list_images(path) if path.is_dir() else [path]
    return paths


_WRITABLE = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")


def _check_out(out: Path | None, several: bool) -> None:
    """Refuse an --out that cannot take an annotated image, before any image is analysed."""
    if out is None:
        return
    if several and out.exists() and not out.is_dir():
        raise click.BadParameter(f"{out} is a file; give a folder for the annotated images of several inputs")
    if not several and out.suffix.lower() not in _WRITABLE:
        raise click.BadParameter(
            f"{out.name!r} is not an image name; end it in {', '.join(_WRITABLE)}", param_hint="--out"
        )


def _write(target: Path, image: Path, predictions: list[Prediction]) -> None:
    try:
        written = cv2.imwrite(str(target), annotate(read_image(image), predictions))
    except cv2.error:
        written = False
    if not written:
        raise click.ClickException(f"cannot write {target}: use a .jpg or .png name in a writable folder")


def _out_path(out: Path, image: Path, several: bool) -> Path:
    if not several:
        return out
    out.mkdir(parents=True, exist_ok=True)
    return out / f"{image.stem}_annotated.jpg"


@click.command("predict")
@click.argument("images", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per run: images, each with its faces.")
@click.option(
    "--out", type=click.Path(path_type=Path), help="Annotated image (a folder when several images are given)."
)
@click.option(
    "--small-faces",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Also scan 320 px tiles for faces under a tenth of the image's side: auto does it only when the "
    "first pass found no face or a small one; always finds small faces beside a large one, at 3-4x the time.",
)
@analyzer_options
@people_options
def command(
    images: tuple[str, ...],
    as_json: bool,
    out: Path | None,
    small_faces: str,
    model: str | None,
    detector: str,
    min_face_score: float,
    db: str | None,
    people: bool,
) -> None:
    """Detect faces in IMAGES (files or folders) and print each face's emotion, confidence and person."""
    analyzer = build_analyzer(model, detector, min_face_score, small_faces=small_faces)
    attach_people(analyzer, db, people)
    paths = _expand(images)
    _check_out(out, len(paths) > 1)
    results: list[dict[str, Any]] = []
    failed = 0
    for path in paths:
        try:
            predictions = analyzer.analyze(path)
        except EmolensError as exc:
            failed += 1
            results.append({"image": str(path), "error": str(exc)})
            if not as_json:
                click.echo(f"{path}: error: {exc}", err=True)
            continue
        results.append({"image": str(path), "faces": [p.to_dict() for p in predictions]})
        if out is not None:
            _write(_out_path(out, path, len(paths) > 1), path, predictions)
        if not as_json:
            click.echo(f"{path}: {len(predictions)} face(s)")
            for i, p in enumerate(predictions, 1):
                x1, y1, x2, y2 = (round(v) for v in p.face.bbox.xyxy)
                who = f" {p.person}" if p.person else ""
                box = f"[{x1},{y1},{x2},{y2}]"
                click.echo(f"  face {i}{who} {box}: {p.label.value} {p.label.emoji} {p.confidence:.0%}")
    if as_json:
        card = analyzer.classifier.card
        click.echo(
            json.dumps({"model": card.name, "model_version": card.version, "images": results}, ensure_ascii=False)
        )
    if failed:
        raise SystemExit(1 if failed < len(paths) else 2)
