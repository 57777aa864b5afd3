"""The viewer's one seam to storage: a session (source "desktop") whose observations go to the store in batches."""

from __future__ import annotations

import csv
import logging
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from emolens.analytics import spreadsheet_safe
from emolens.errors import SessionNotFoundError, StorageError
from emolens.storage import ObservationFilter, ObservationIn, ObservationRecord, SessionRecord, Store
from emolens.types import EMOTIONS, Prediction

__all__ = ["SOURCE", "SessionRecorder", "write_csv"]

log = logging.getLogger(__name__)

SOURCE = "desktop"


class SessionRecorder:
    """Opens a session of ``source`` in ``store`` and stores every observation, ``batch`` at a time.

    A failed write keeps the batch for the next try, so a briefly locked database loses nothing;
    ``close`` makes a last try and writes what still failed to ``fallback_csv``. A session deleted
    elsewhere (say, from the web app) while it runs stops being stored: the deletion is respected.
    """

    def __init__(self, store: Store, scenario: str, batch: int = 64, source: str = SOURCE):
        self.store = store
        self.batch = batch
        self.session: SessionRecord = store.create_session(scenario, source)
        self.stored = 0
        self.deleted = False
        self._pending: list[ObservationIn] = []

    @property
    def session_id(self) -> str:
        return self.session.id

    def add(self, predictions: list[Prediction], when: datetime) -> None:
        """Queue one frame's faces (``when`` is the frame's time, timezone-aware) and write a full batch."""
        if self.deleted:
            return
        self._pending.extend(ObservationIn.from_prediction(p, when) for p in predictions)
        if len(self._pending) >= self.batch:
            self.flush()

    def flush(self) -> bool:
        """Write every queued observation now; False (and kept for later) when the database refuses."""
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
            return False
        self._pending = []
        return True

    def observations(self) -> list[ObservationRecord]:
        """Every stored observation of this session, oldest first (queued ones are written first)."""
        self.flush()
        return self.store.query_observations(ObservationFilter(session_id=self.session_id))

    def close(self, fallback_csv: Path) -> SessionRecord:
        """Write what is queued, end the session and return its final record (an empty session is not kept)."""
        if not self.flush():
            write_csv(fallback_csv, [_unsaved_record(self.session, o) for o in self._pending])
            log.error("%d observations could not be stored; they are in %s", len(self._pending), fallback_csv)
        if self.deleted:
            return replace(self.session, ended_at=datetime.now(UTC), observation_count=0)
        try:
            self.session = self.store.end_session(self.session_id)
        except StorageError as exc:
            log.error("could not mark session %s ended (%s)", self.session_id, exc)
            self.session = replace(self.session, ended_at=datetime.now(UTC), observation_count=self.stored)
        return self.session


def _unsaved_record(session: SessionRecord, o: ObservationIn) -> ObservationRecord:
    return ObservationRecord(
        0,
        session.id,
        session.source,
        session.scenario,
        o.timestamp,
        o.emotion,
        o.confidence,
        dict(o.probabilities),
        o.track_id,
        o.person,
        o.bbox,
    )


def write_csv(path: Path, records: list[ObservationRecord]) -> int:
    """Write observations as CSV (one row per face per frame, probabilities as p_<emotion>); returns the row count."""
    fields = ["timestamp", "session_id", "source", "track_id", "person", "emotion", "confidence"]
    fields += ["x1", "y1", "x2", "y2", *(f"p_{e.value}" for e in EMOTIONS)]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for r in records:
            box = dict(zip(("x1", "y1", "x2", "y2"), r.bbox or (None,) * 4, strict=True))
            probs = {f"p_{k}": v for k, v in r.probabilities.items()}
            writer.writerow(
                {
                    "timestamp": r.timestamp.isoformat(),
                    "session_id": r.session_id,
                    "source": r.source,
                    "track_id": r.track_id,
                    "person": spreadsheet_safe(r.person),
                    "emotion": r.emotion,
                    "confidence": round(r.confidence, 4),
                    **box,
                    **probs,
                }
            )
    return len(records)
