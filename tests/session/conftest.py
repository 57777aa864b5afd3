"""Session-layer fixtures: a SQLite store in a fresh file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from emolens.storage import Store


@pytest.fixture()
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "emolens.db"


@pytest.fixture()
def store(db_file: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{db_file}")
    yield s
    s.close()
