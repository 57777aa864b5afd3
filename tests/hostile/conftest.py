"""The hostile-input suite's servers: a real `emolens serve` per module and backend, holding a real session.

Every case ends by checking that the server still answers and that the seeded session and its
observations are intact, so a case that crashes the server or loses stored data fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from emolens.storage import ObservationIn, Store
from emolens.types import EMOTIONS
from live_server import Server, start_server
from postgres_db import postgres_database


@dataclass
class Target:
    """A running server, its database URL and the session seeded before the cases ran."""

    server: Server
    db_url: str
    session_id: str
    observations: int

    def assert_intact(self) -> None:
        """The server answers and the seeded session still has every observation."""
        response = httpx.get(f"{self.server.url}/api/sessions/{self.session_id}", timeout=30)
        assert response.status_code == 200, response.text
        assert response.json()["observation_count"] == self.observations


def seed_session(db_url: str, scenario: str = "Seeded interview", person: str | None = None, n: int = 12) -> str:
    """A finished session with ``n`` observations written straight to the database; returns its id."""
    store = Store(db_url)
    try:
        store.set_setting("user", {"retention": None})  # keep every session: no case may delete the seeded one
        session = store.create_session(scenario, "webcam")
        start = datetime.now(UTC) - timedelta(minutes=5)
        probabilities = {e.value: 1 / len(EMOTIONS) for e in EMOTIONS}
        rows = [
            ObservationIn(start + timedelta(seconds=i), "happy", 0.9, probabilities, track_id=1, person=person)
            for i in range(n)
        ]
        store.add_observations(session.id, rows)
        store.end_session(session.id, start + timedelta(seconds=n))
        return session.id
    finally:
        store.close()


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
