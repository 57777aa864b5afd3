"""What a hostile case runs against: a server, its database and a seeded session that must survive."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from emolens.storage import ObservationIn, Store
from emolens.types import EMOTIONS
from live_server import Server


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
