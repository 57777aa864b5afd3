"""The hostile-input suite's servers: a real `emolens serve` per module and backend, holding a real session.

Every case ends by checking that the server still answers and that the seeded session and its
observations are intact, so a case that crashes the server or loses stored data fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_target import Target, seed_session

from live_server import start_server
from postgres_db import postgres_database


def _database(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'hostile.db'}"
    else:
        yield from postgres_database()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """A server on each backend with one seeded session of 12 observations."""
    folder = tmp_path_factory.mktemp(f"hostile-{request.param}")
    databases = _database(request.param, folder)
    db_url = next(databases)
    session_id = seed_session(db_url)
    servers = start_server(folder / "server", "--db", db_url)
    yield Target(next(servers), db_url, session_id, 12)
    servers.close()
    databases.close()
