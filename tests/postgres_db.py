"""A throw-away PostgreSQL database on the server named by EMOLENS_TEST_POSTGRES_URL (.ci/start-postgres)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from emolens.storage import resolve_db_url


def postgres_database() -> Iterator[str]:
    """The URL of a fresh, empty PostgreSQL database, dropped afterwards; skips (fails in CI) without a server."""
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
