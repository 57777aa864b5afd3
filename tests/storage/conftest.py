"""A fresh database per test: a SQLite file always, and PostgreSQL when EMOLENS_TEST_POSTGRES_URL is set.

In CI (CI=true) a missing PostgreSQL fails the PostgreSQL tests instead of skipping them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from emolens.storage import Store
from postgres_db import postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'emolens.db'}"
    else:
        yield from postgres_database()


@pytest.fixture()
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    yield s
    s.close()
