"""Bytes per face-hour: one tracked face at 30 FPS recorded through the real SessionRecorder into a real database.

    PYTHONPATH=src python benchmarks/storage_size.py [--minutes 10] [--samples-per-second 2] [--postgres URL]

Records ``--minutes`` of simulated frames (one face, track 1, slowly drifting box, probabilities that wander
as a real face's do) into a fresh SQLite file and, with ``--postgres`` (a server URL; a throw-away database
is made on it), into PostgreSQL, then measures what the observations take: the SQLite file after VACUUM
less the same empty database, and ``pg_total_relation_size('observations')`` (table, indexes, TOAST) after
VACUUM less the empty table's. Figures are scaled to one hour. Without ``--samples-per-second`` the recorder
follows the saved default, so the same script run with ``PYTHONPATH=<main checkout>/src`` measures main.
Prints one JSON object per backend.
"""

from __future__ import annotations

import argparse
import inspect
import json
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import create_engine, text

from emolens.session import SessionRecorder
from emolens.storage import ObservationFilter, Store
from emolens.types import EMOTIONS, BBox, Face, Prediction

FPS = 30
T0 = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)


def frames(count: int, seed: int = 0) -> Iterator[tuple[datetime, list[Prediction]]]:
    """``count`` frames of one tracked face at 30 FPS: probabilities from a slow random walk, a drifting box."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 1, len(EMOTIONS))
    for i in range(count):
        logits = 0.98 * logits + rng.normal(0, 0.15, len(EMOTIONS))
        probs = np.exp(logits) / np.exp(logits).sum()
        x = 200 + 20 * np.sin(i / 90)
        face = Face(BBox(x, 120.0, x + 160, 300.0), np.zeros((5, 2)), 0.95)
        label = EMOTIONS[int(np.argmax(probs))]
        prediction = Prediction(
            face, dict(zip(EMOTIONS, probs.tolist(), strict=True)), label, float(probs.max()), "bench", "1", 1
        )
        yield T0 + timedelta(seconds=i / FPS), [prediction]


def record(store: Store, count: int, samples_per_second: float | None) -> tuple[int, float]:
    """Record ``count`` frames in a new session; (rows stored, seconds taken)."""
    rate: dict[str, Any] = {} if samples_per_second is None else {"samples_per_second": samples_per_second}
    if rate and "samples_per_second" not in inspect.signature(SessionRecorder).parameters:
        raise SystemExit("this checkout's recorder stores every frame: leave out --samples-per-second")
    start = time.perf_counter()
    recorder = SessionRecorder.start(store, "Storage benchmark", source="webcam", batch=1024, **rate)
    for when, predictions in frames(count):
        recorder.add(predictions, when)
    session = recorder.close(Path(tempfile.gettempdir()) / "storage-benchmark-unsaved.csv")
    return session.observation_count, time.perf_counter() - start


def sqlite_bytes(path: Path) -> int:
    """The file's size once the WAL is folded in and free pages are gone."""
    engine = create_engine(f"sqlite:///{path}", isolation_level="AUTOCOMMIT")
    with engine.connect() as db:
        db.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.exec_driver_sql("VACUUM")
    engine.dispose()
    return path.stat().st_size


def postgres_bytes(url: str) -> int:
    """Table, indexes and TOAST of ``observations`` after VACUUM."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as db:
        db.exec_driver_sql("VACUUM ANALYZE observations")
        size = int(db.execute(text("SELECT pg_total_relation_size('observations')")).scalar_one())
    engine.dispose()
    return size


def measure(url: str, size_of: Any, count: int, samples_per_second: float | None) -> dict[str, Any]:
    store = Store(url)
    store.close()
    empty = size_of()
    store = Store(url)
    rows, seconds = record(store, count, samples_per_second)
    sample = store.query_observations(ObservationFilter(limit=1))[0]
    store.close()
    used = size_of() - empty
    per_hour = 3600 * FPS / count
    return {
        "frames": count,
        "rows": rows,
        "rows_per_face_hour": round(rows * per_hour),
        "bytes_per_row": round(used / rows, 1),
        "bytes_per_face_hour": round(used * per_hour),
        "mb_per_face_hour": round(used * per_hour / 1e6, 2),
        "probabilities_json_bytes": len(json.dumps(sample.probabilities)),
        "record_s": round(seconds, 1),
    }


def postgres_database(server: str) -> Iterator[str]:
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"emolens_storage_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as db:
        db.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server.rsplit('/', 1)[0]}/{name}"
    finally:
        with admin.connect() as db:
            db.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="simulated minutes recorded (scaled to an hour)")
    parser.add_argument("--samples-per-second", type=float, help="0: every frame; default: the saved setting")
    parser.add_argument("--postgres", help="a PostgreSQL server URL to measure on as well")
    args = parser.parse_args()
    count = round(args.minutes * 60 * FPS)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "storage.db"
        result = measure(f"sqlite:///{path}", lambda: sqlite_bytes(path), count, args.samples_per_second)
        print(json.dumps({"backend": "sqlite", "samples_per_second": args.samples_per_second, **result}))
    if args.postgres:
        for url in postgres_database(args.postgres):
            result = measure(url, lambda: postgres_bytes(url), count, args.samples_per_second)  # noqa: B023
            print(json.dumps({"backend": "postgresql", "samples_per_second": args.samples_per_second, **result}))


if __name__ == "__main__":
    main()
