"""Options shared by several commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from emolens.vision.detect import DETECTORS

__all__ = ["analyzer_options", "build_analyzer", "db_option"]


def analyzer_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--model, --detector and --min-face-score."""
    fn = click.option("--model", type=click.Path(dir_okay=False), help="An .onnx emotion model with its .json card (default: the shipped model).")(fn)
    fn = click.option("--detector", type=click.Choice(sorted(DETECTORS)), default="mediapipe", show_default=True, help="Face detector.")(fn)
    fn = click.option("--min-face-score", type=click.FloatRange(0, 1), default=0.5, show_default=True, help="Least detector score to keep a face.")(fn)
    return fn


def build_analyzer(model: str | None, detector: str, min_face_score: float, **options: Any) -> Any:
    from emolens.vision.pipeline import Analyzer

    return Analyzer(detector=detector, model=model, min_face_score=min_face_score, **options)


def db_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--db: where records live (default: $EMOLENS_DB, else SQLite in the data folder)."""
    return click.option(
        "--db", metavar="URL",
        help="Database URL (sqlite:///file.db, postgresql://user@host/db) or a SQLite file path. "
        "Default: $EMOLENS_DB, else SQLite in the data folder ($EMOLENS_DATA_DIR or the user's data directory).",
    )(fn)
