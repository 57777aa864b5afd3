"""Where records live: the database URL from --db, EMOLENS_DB, or a SQLite file in the data folder."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["data_dir", "resolve_db_url"]


def data_dir() -> Path:
    """The data folder: EMOLENS_DATA_DIR, else the user's data directory (e.g. ~/.local/share/emolens)."""
    explicit = os.environ.get("EMOLENS_DATA_DIR")
    if explicit:
        return Path(explicit).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("emolens", appauthor=False))


def resolve_db_url(db: str | None = None) -> str:
    """The SQLAlchemy URL to use: ``db`` when given, else $EMOLENS_DB, else SQLite in the data folder.

    A bare file path (no ``://``) is taken as a SQLite file; ``postgresql://`` URLs use psycopg 3.
    """
    chosen = db or os.environ.get("EMOLENS_DB")
    if not chosen:
        folder = data_dir()
        folder.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(folder / 'emolens.db').resolve()}"
    if "://" not in chosen:
        return f"sqlite:///{Path(chosen).expanduser().resolve()}"
    if chosen.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + chosen.split("://", 1)[1]
    return chosen
