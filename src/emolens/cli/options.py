"""Options shared by several commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from emolens.vision.detect import DETECTORS

__all__ = [
    "analyzer_options",
    "attach_people",
    "build_analyzer",
    "db_option",
    "labelled_data_option",
    "people_options",
    "smoothing_option",
]


def analyzer_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--model, --detector and --min-face-score."""
    fn = click.option(
        "--model",
        type=click.Path(dir_okay=False),
        help="An .onnx emotion model with its .json card (default: the shipped model).",
    )(fn)
    fn = click.option(
        "--detector",
        type=click.Choice(sorted(DETECTORS)),
        default="mediapipe",
        show_default=True,
        help="Face detector.",
    )(fn)
    fn = click.option(
        "--min-face-score",
        type=click.FloatRange(0, 1),
        default=0.5,
        show_default=True,
        help="Least detector score to keep a face.",
    )(fn)
    return fn


def build_analyzer(model: str | None, detector: str, min_face_score: float, **options: Any) -> Any:
    from emolens.vision.pipeline import Analyzer

    return Analyzer(detector=detector, model=model, min_face_score=min_face_score, **options)


def labelled_data_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--data: a labelled face set (required)."""
    return click.option(
        "--data",
        required=True,
        type=click.Path(exists=True),
        help="Kaggle FER2013 folders, <root>/<class>/<images> or fer2013.csv.",
    )(fn)


def db_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--db: where records live (default: $EMOLENS_DB, else SQLite in the data folder)."""
    return click.option(
        "--db",
        metavar="URL",
        help="Database URL (sqlite:///file.db, postgresql://user@host/db) or a SQLite file path. "
        "Default: $EMOLENS_DB, else SQLite in the data folder ($EMOLENS_DATA_DIR or the user's data directory).",
    )(fn)


def people_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--db and --people/--no-people: name the enrolled people found in the input."""
    fn = click.option(
        "--people/--no-people",
        default=True,
        show_default=True,
        help="Name faces of people enrolled with `emolens people add` (unknown faces stay unnamed).",
    )(fn)
    return db_option(fn)


def attach_people(analyzer: Any, db: str | None, people: bool, missing_ok: bool = False) -> int:
    """Give ``analyzer`` the gallery of enrolled people from the database; returns how many there are.

    A default SQLite database that does not exist yet means nobody is enrolled: it is not created. A named
    SQLite file that does not exist is an error, unless ``missing_ok`` (a command that will create it).
    """
    from pathlib import Path

    from emolens.config import load_settings
    from emolens.storage import Store

    settings = load_settings(db=db)
    default_absent = settings.db is None and not (settings.data_dir / "emolens.db").exists()
    if not people or default_absent:
        return 0
    from emolens.session.people import load_gallery

    url = settings.db_url()
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        if missing_ok:
            return 0
        raise click.BadParameter(
            f"no database at {url}; enrol people with `emolens people add --db` first", param_hint="--db"
        )
    store = Store(url)
    try:
        analyzer.gallery = load_gallery(store, analyzer.recognizer) if store.people.list() else None
    finally:
        store.close()
    return len(analyzer.gallery.people) if analyzer.gallery else 0


def smoothing_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--smoothing: the tracker's weight of the past in per-face smoothing."""
    return click.option(
        "--smoothing",
        type=click.FloatRange(0, 0.99),
        default=0.6,
        show_default=True,
        help="Weight of the past in per-face smoothing (0: off; higher is steadier but slower to react).",
    )(fn)
