"""Where records live: a database URL, or a SQLite file in the data folder."""

from __future__ import annotations

from pathlib import Path

__all__ = ["data_dir", "resolve_db_url"]


def data_dir(explicit: Path | str | None = None) -> Path:
    """The data folder: ``explicit`` when given, else the user's data directory (e.g. ~/.local/share/emolens)."""
    if explicit:
        return Path(explicit).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("emolens", appauthor=False))


def resolve_db_url(db: str | None = None, folder: Path | None = None) -> str:
    """The SQLAlchemy URL to use: ``db`` when given, else SQLite in ``folder`` (default: :func:`data_dir`).

    A bare file path (no ``://``) is taken as a SQLite file; ``postgresql://`` URLs use psycopg 3.
    """
    if not db:
        folder = data_dir(folder)
        folder.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(folder / 'emolens.db').resolve()}"
    if "://" not in db:
        return f"sqlite:///{Path(db).expanduser().resolve()}"
    if db.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + db.split("://", 1)[1]
    return db
