"""Recording a session: per-track samples go to the store in batches, retried, with a CSV file as the last resort.

The desktop viewer, the web app's live sessions and the kiosk all record through ``SessionRecorder``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from emolens.errors import SessionNotFoundError, StorageError
from emolens.session.rows import ObservationRow, write_csv
from emolens.session.samples import TrackSampler
from emolens.session.settings import load_user_settings
from emolens.storage import ObservationFilter, ObservationIn, ObservationRecord, SessionRecord, Store
from emolens.types import Prediction

__all__ = ["SessionRecorder"]

log = logging.getLogger(__name__)


class SessionRecorder:
    """Stores the observations of ``session`` in ``store``, ``batch`` at a time or every ``flush_every_s``.

    Each tracked face is stored as ``samples_per_second`` samples a second (``TrackSampler``; 0: every frame;
    None: the user's saved setting); the open samples are written when the session ends.

    A failed write keeps the batch for the next try (``error`` says why), so a briefly locked database loses
    nothing; ``close`` makes a last try and writes what still failed to a fallback CSV file. A session deleted
    elsewhere (say, from the web app) while it runs stops being stored: the deletion is respected.
    """

    def __init__(
        self,
        store: Store,
        session: SessionRecord,
        batch: int = 64,
        flush_every_s: float | None = None,
        samples_per_second: float | None = None,
    ):
        rate = load_user_settings(store).samples_per_second if samples_per_second is None else samples_per_second
        self.sampler = TrackSampler(rate)
        self.store = store
        self.session = session
        self.batch = batch
        self.flush_every_s = flush_every_s
        self.stored = 0  # rows written
        self.unsaved = 0
        self.deleted = False
        self.error: StorageError | None = None
        self._pending: list[ObservationIn] = []
        self._last_flush = time.monotonic()

    @classmethod
    def start(
        cls,
        store: Store,
        scenario: str,
        source: str = "desktop",
        batch: int = 64,
        flush_every_s: float | None = None,
        samples_per_second: float | None = None,
    ) -> SessionRecorder:
        """Open a new session of ``source`` in ``store`` and record it."""
        return cls(store, store.create_session(scenario, source), batch, flush_every_s, samples_per_second)

    @property
    def session_id(self) -> str:
        return self.session.id

    @property
    def pending(self) -> int:
        """How many observations wait to be written (open samples not counted)."""
        return len(self._pending)

    def add(self, predictions: list[Prediction], when: datetime) -> bool:
        """Take one frame's faces (``when``: the frame's time, timezone-aware); write when a batch is due.

        False when a write was due and the database refused it (the observations wait for the next).
        """
        if self.deleted:
            return True
        self._pending.extend(self.sampler.add(predictions, when))
        due = self.flush_every_s is not None and time.monotonic() - self._last_flush >= self.flush_every_s
        if len(self._pending) >= self.batch or due:
            return self.flush()
        return True

    def flush(self) -> bool:
        """Write every queued observation now; False (and kept for later) when the database refuses."""
        self._last_flush = time.monotonic()
        if not self._pending:
            return True
        try:
            self.stored += self.store.add_observations(self.session_id, self._pending)
        except SessionNotFoundError:
            log.warning("session %s was deleted elsewhere: its observations are no longer stored", self.session_id)
            self.deleted, self._pending = True, []
            return True
        except StorageError as exc:
            log.warning("could not store %d observations yet (%s); will retry", len(self._pending), exc)
            self.error = exc
            return False
        self._pending, self.error = [], None
        return True

    def observations(self) -> list[ObservationRecord]:
        """Every stored observation of this session, oldest first (open samples and queued ones are written first)."""
        self._pending.extend(self.sampler.drain())
        self.flush()
        return self.store.query_observations(ObservationFilter(session_id=self.session_id))

    def close(self, fallback_csv: Path) -> SessionRecord:
        """Write what is queued, end the session and return its final record (an empty session is not kept).

        Observations the database still refuses go to ``fallback_csv``; ``unsaved`` says how many.
        """
        if not self.deleted:
            self._pending.extend(self.sampler.drain())
        if not self.flush():
            session = self.session
            rows = [
                ObservationRow.of_observation(o, session.id, session.source, session.scenario) for o in self._pending
            ]
            self.unsaved = write_csv(fallback_csv, rows)
            log.error("%d observations could not be stored; they are in %s", self.unsaved, fallback_csv)
        if self.deleted:
            return replace(self.session, ended_at=datetime.now(UTC), observation_count=0)
        try:
            self.session = self.store.end_session(self.session_id)
        except SessionNotFoundError:
            log.warning("session %s was deleted elsewhere before it ended", self.session_id)
            self.deleted = True
            return replace(self.session, ended_at=datetime.now(UTC), observation_count=0)
        except StorageError as exc:
            log.error("could not mark session %s ended (%s)", self.session_id, exc)
            self.error = exc
            self.session = replace(self.session, ended_at=datetime.now(UTC), observation_count=self.stored)
        return self.session
