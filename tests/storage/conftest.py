"""A fresh database per test: a SQLite file always, and PostgreSQL when EMOLENS_TEST_POSTGRES_URL is set.

In CI (CI=true) a missing PostgreSQL fails the PostgreSQL tests instead of skipping them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from emolens.storage import Store, resolve_db_url


def _postgres_database() -> Iterator[str]:
    server = os.environ.get("EMOLENS_TEST_POSTGRES_URL")
    if not server:
        if os.environ.get("CI") == "true":
            pytest.fail("EMOLENS_TEST_POSTGRES_URL is not set in CI: .ci/run must start PostgreSQL and set it")
        pytest.skip("PostgreSQL tests need EMOLENS_TEST_POSTGRES_URL (e.g. postgresql://postgres@localhost/postgres)")
    admin = create_engine(resolve_db_url(server), isolation_level="AUTOCOMMIT")
    name = f"emolens_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = resolve_db_url(server).rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'emolens.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture()
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    yield s
    s.close()
