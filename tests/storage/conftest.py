"""A store on a fresh database per test and backend (``db_url`` from tests/conftest.py: a SQLite file always,
PostgreSQL when EMOLENS_TEST_POSTGRES_URL is set; in CI a missing PostgreSQL fails instead of skipping)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emolens.storage import Store


@pytest.fixture()
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    yield s
    s.close()
