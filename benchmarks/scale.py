"""Scale: analytics, history and export of a large observation table, through a real `emolens serve`.

Usage: python benchmarks/scale.py --rows 300000 --backend sqlite [--backend postgresql] [--json out.json]

Fills a fresh database with ``--rows`` observations shaped like real recordings (sessions of about 45 minutes at
28 faces/s, two tracks, Ada, Grace or nobody, the probabilities JSON and box as the recorder stores them) by bulk
insert (SQLite: executemany; PostgreSQL: COPY), starts `emolens serve` on it and measures:

- GET /api/observations/stats (the analytics page): the first call and the median of ``--repeat`` more;
- the first page of history: GET /api/observations/page?limit=50 where it exists, otherwise what the page
  did before keyset pages (GET /api/observations?limit=200&offset=total-200);
- GET /api/observations/export?format=csv: its time, size and the server's extra RSS (peak during the export
  less the RSS before it, sampled from /proc every 20 ms).

Run it with PYTHONPATH pointing at another checkout's src/ to measure that code (the fill uses only the tables
every version has). PostgreSQL: --postgres-url names a server (default $EMOLENS_TEST_POSTGRES_URL); a database
is created for the run, VACUUM ANALYZEd after the fill (as autovacuum would) and dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
from served import start_server
from sqlalchemy import insert

from emolens.storage import Store, resolve_db_url
from emolens.storage.tables import SessionRow

EMOTIONS = ("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise")
MOOD = np.array([0.06, 0.01, 0.07, 0.25, 0.40, 0.14, 0.07])  # how often each emotion leads a stretch of faces
ROWS_PER_SESSION = 75_000  # 45 minutes of one face at 28 observations a second
FACES_PER_S = 28.0
SCENARIOS = ("Interview", "Exam", "Public Speaking", "Online Class", "Meeting")
SOURCES = ("webcam", "desktop", "video")
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
COLUMNS = "session_id, timestamp, track_id, person, emotion, confidence, probabilities, bbox"


def cpu_s(pid: int) -> float:
    """The CPU time (user + system) the process has used, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def session_rows(
    session_id: str, started: datetime, n: int, rng: np.random.Generator, day: int
) -> Iterator[tuple[object, ...]]:
    """``n`` observations of one session: stretches of a few seconds with one leading emotion, two tracks."""
    leading = rng.choice(7, size=n // 80 + 1, p=MOOD).repeat(80)[:n]
    probs = rng.dirichlet(np.full(7, 0.6), size=n) * 0.55
    probs[np.arange(n), leading] += 0.45
    probs = np.round(probs, 5)
    best = probs.argmax(axis=1)
    offsets_us = np.cumsum(rng.exponential(1e6 / FACES_PER_S, size=n)).astype(np.int64)
    boxes = np.round(rng.normal([200, 120, 360, 300], 6, size=(n, 4)), 1)
    people = ("Ada", "Grace", None)
    for i in range(n):
        track = 1 + (i % 7 == 0)  # a second face now and then
        when = started + timedelta(microseconds=int(offsets_us[i]))
        p = probs[i]
        yield (
            session_id,
            when,
            track,
            people[(track + day) % 3],
            EMOTIONS[best[i]],
            float(p[best[i]]),
            json.dumps(dict(zip(EMOTIONS, p.tolist(), strict=True))),
            json.dumps(boxes[i].tolist()),
        )


def plan_sessions(rows: int) -> list[tuple[str, str, str, datetime, int]]:
    """(id, scenario, source, start, rows) of the sessions that hold ``rows`` observations, one a day."""
    out, left, day = [], rows, 0
    while left > 0:
        n = min(ROWS_PER_SESSION, left)
        start = START + timedelta(days=day, hours=day % 3)
        out.append((str(uuid.uuid4()), SCENARIOS[day % 5], SOURCES[day % 3], start, n))
        left, day = left - n, day + 1
    return out


def _sessions(store: Store, plan: list[tuple[str, str, str, datetime, int]]) -> None:
    """Create the sessions (ended) and keep every session (retention off), through the store of the code measured."""
    store.set_setting("user", {"retention": None})
    rows = [
        {"id": sid, "scenario": scenario, "source": source, "started_at": start, "ended_at": start + timedelta(hours=1)}
        for sid, scenario, source, start, _ in plan
    ]
    with store.engine.begin() as conn:
        conn.execute(insert(SessionRow.__table__), rows)


def _sqlite_time(when: datetime) -> str:
    """A datetime as SQLAlchemy stores it in SQLite (UTC, no zone, microseconds)."""
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def fill_sqlite(path: Path, rows: int, seed: int) -> float:
    """Create and fill the SQLite file; returns the seconds it took."""
    t0, rng = time.perf_counter(), np.random.default_rng(seed)
    store = Store(f"sqlite:///{path}")
    plan = plan_sessions(rows)
    _sessions(store, plan)
    store.close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    for day, (sid, _, _, start, n) in enumerate(plan):
        rows_of_day = session_rows(sid, start, n, rng, day)
        batch = ((s, _sqlite_time(w), *rest) for s, w, *rest in rows_of_day)  # type: ignore[misc]
        db.executemany(f"INSERT INTO observations ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", batch)
        db.commit()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return time.perf_counter() - t0


def fill_postgres(url: str, rows: int, seed: int) -> float:
    """Fill the (migrated, empty) PostgreSQL database with COPY; returns the seconds it took."""
    import psycopg

    t0, rng = time.perf_counter(), np.random.default_rng(seed)
    store = Store(url)
    plan = plan_sessions(rows)
    _sessions(store, plan)
    store.close()
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        with conn.cursor() as cur, cur.copy(f"COPY observations ({COLUMNS}) FROM STDIN") as copy:
            for day, (sid, _, _, start, n) in enumerate(plan):
                for row in session_rows(sid, start, n, rng, day):
                    copy.write_row(row)
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE observations")
        conn.execute("VACUUM ANALYZE sessions")
    return time.perf_counter() - t0


def timed_get(client: httpx.Client, path: str, **params: object) -> tuple[float, httpx.Response]:
    t0 = time.perf_counter()
    response = client.get(path, params=params)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - t0
    response.raise_for_status()
    return elapsed, response


def measure_stats(client: httpx.Client, repeat: int) -> dict[str, object]:
    first, response = timed_get(client, "/api/observations/stats")
    warm = [timed_get(client, "/api/observations/stats")[0] for _ in range(repeat)]
    return {"stats_first_s": first, "stats_s": statistics.median(warm), "total": response.json()["total"]}


def measure_first_page(client: httpx.Client, total: int, repeat: int) -> dict[str, object]:
    if client.get("/api/observations/page", params={"limit": 1}).status_code == 200:
        runs = [timed_get(client, "/api/observations/page", limit=50) for _ in range(repeat + 1)]
        how = "GET /api/observations/page?limit=50"
    else:  # before keyset pages: the page asked for the last 200 of the total by offset
        runs = [
            timed_get(client, "/api/observations", limit=200, offset=max(0, total - 200)) for _ in range(repeat + 1)
        ]
        how = "GET /api/observations?limit=200&offset=total-200"
    return {"first_page_s": statistics.median(t for t, _ in runs[1:]), "first_page_first_s": runs[0][0], "page": how}


def measure_export(client: httpx.Client, pid: int) -> dict[str, object]:
    baseline, peak, done = rss_mb(pid), [0.0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss_mb(pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    t0, cpu0, size, lines = time.perf_counter(), cpu_s(pid), 0, 0
    with client.stream("GET", "/api/observations/export", params={"format": "csv"}) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            size += len(chunk)
            lines += chunk.count(b"\n")
    elapsed, cpu = time.perf_counter() - t0, cpu_s(pid) - cpu0
    done.set()
    sampler.join()
    return {
        "export_s": elapsed,
        "export_server_cpu_s": cpu,
        "export_mb": size / 1e6,
        "export_rows": lines - 1,
        "export_extra_rss_mb": peak[0] - baseline,
    }


def run_backend(backend: str, args: argparse.Namespace, folder: Path) -> dict[str, object]:
    admin_url, name = None, f"emolens_scale_{uuid.uuid4().hex[:8]}"
    if backend == "sqlite":
        path = folder / "scale.db"
        db_url, fill_s = f"sqlite:///{path}", fill_sqlite(path, args.rows, args.seed)
        size_mb = sum(p.stat().st_size for p in folder.glob("scale.db*")) / 1e6
    else:
        from sqlalchemy import create_engine, text

        admin_url = resolve_db_url(args.postgres_url)
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        db_url = admin_url.rsplit("/", 1)[0] + "/" + name
        fill_s = fill_postgres(db_url, args.rows, args.seed)
        with admin.connect() as conn:
            size_mb = conn.execute(text(f"SELECT pg_database_size('{name}')")).scalar() / 1e6
    print(f"{backend}: filled {args.rows:,} observations in {fill_s:.1f} s ({size_mb:.0f} MB)", flush=True)
    process, url = start_server(folder, db_url.replace("postgresql+psycopg://", "postgresql://"), "--workers", "1")
    try:
        with httpx.Client(base_url=url, timeout=600) as client:
            result: dict[str, object] = {"backend": backend, "rows": args.rows, "fill_s": fill_s, "db_mb": size_mb}
            result |= measure_stats(client, args.repeat)
            result |= measure_first_page(client, int(result["total"]), args.repeat)  # type: ignore[call-overload]
            if not args.no_export:
                result |= measure_export(client, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=60)
        if admin_url is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in result.items()}), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgresql"], help="repeatable")
    parser.add_argument("--postgres-url", default=os.environ.get("EMOLENS_TEST_POSTGRES_URL"))
    parser.add_argument("--repeat", type=int, default=3, help="warm requests after the first, for the medians")
    parser.add_argument("--no-export", action="store_true", help="skip the CSV export (slow before streaming)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--folder", type=Path, help="where the SQLite file goes (default: a temporary folder)")
    parser.add_argument("--json", type=Path, help="append the results, one JSON object a line")
    args = parser.parse_args()
    for backend in args.backend or ["sqlite"]:
        if backend == "postgresql" and not args.postgres_url:
            parser.error("PostgreSQL needs --postgres-url or EMOLENS_TEST_POSTGRES_URL")
        with tempfile.TemporaryDirectory(dir=args.folder) as folder:
            result = run_backend(backend, args, Path(folder))
        if args.json:
            with args.json.open("a") as out:
                out.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
