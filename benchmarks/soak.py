"""Soak: does `emolens serve` hold its frame rate and a flat memory over a long run of live sessions?

Usage: python benchmarks/soak.py --sessions 2 --minutes 8 --fps 20 --session-s 60
Starts its own server on a fresh SQLite file, runs ``--sessions`` WebSocket clients that each send a 320x240 JPEG
of a face at ``--fps`` (and start a new session every ``--session-s`` seconds, so per-session state that outlives
its session shows as growth), samples the server's RSS from /proc every 10 s, and prints FPS per session, the p95
ack latency, the RSS curve with its slope over the second half, and acknowledged vs stored observations.
Set MALLOC_ARENA_MAX (or any other variable) in the environment to pass it to the server.
"""

from __future__ import annotations

import argparse
import json
import struct
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
from live_sessions import frame_jpeg
from served import start_server
from websockets.sync.client import connect


@dataclass
class Client:
    frames: int = 0
    seconds: float = 0.0
    acked: int = 0  # faces acknowledged = observations the server owes the database
    stored: int = 0  # faces in frames the stored rows stand for
    latencies_ms: list[float] = field(default_factory=list)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_session(url: str, jpeg: bytes, fps: float, until: float, out: Client) -> None:
    with connect(url.replace("http", "ws") + "/ws/live", max_size=None) as ws:
        ws.send(json.dumps({"type": "start", "scenario": "Soak"}))
        ws.recv()
        start, frames = time.perf_counter(), 0
        while time.perf_counter() < until:
            sent = time.perf_counter()
            ws.send(struct.pack(">I", frames) + jpeg)
            reply = json.loads(ws.recv())
            out.latencies_ms.append((time.perf_counter() - sent) * 1000)
            frames += 1
            out.acked += len(reply.get("faces", []))
            time.sleep(max(0.0, start + frames / fps - time.perf_counter()))
        out.frames += frames
        out.seconds += time.perf_counter() - start
        ws.send(json.dumps({"type": "stop"}))
        session_id = json.loads(ws.recv())["summary"]["session"]["id"]
    rows = httpx.get(f"{url}/api/observations", params={"session_id": session_id}, timeout=60).json()
    out.stored += sum(r.get("frames", 1) for r in rows)  # faces stored, whether per frame or in per-track samples


def client(url: str, jpeg: bytes, fps: float, end: float, session_s: float, out: Client) -> None:
    while time.perf_counter() < end - 1:
        one_session(url, jpeg, fps, min(end, time.perf_counter() + session_s), out)


def sample(pid: int, t0: float, end: float, every_s: float, curve: list[tuple[float, float]]) -> None:
    while time.perf_counter() < end:
        curve.append((time.perf_counter() - t0, rss_mb(pid)))
        print(f"  t={curve[-1][0]:5.0f} s  RSS {curve[-1][1]:7.1f} MB", flush=True)
        time.sleep(every_s)
    curve.append((time.perf_counter() - t0, rss_mb(pid)))


def report(clients: list[Client], curve: list[tuple[float, float]]) -> None:
    for n, c in enumerate(clients):
        print(f"session {n}: {c.frames / c.seconds:.1f} FPS, p95 ack {np.percentile(c.latencies_ms, 95):.0f} ms")
    everything = [ms for c in clients for ms in c.latencies_ms]
    print(
        f"all: p50 {np.percentile(everything, 50):.0f} ms, p95 {np.percentile(everything, 95):.0f} ms, "
        f"max {max(everything):.0f} ms"
    )
    print(f"acknowledged {sum(c.acked for c in clients)} observations, stored {sum(c.stored for c in clients)}")
    times, rss = np.array([t for t, _ in curve]), np.array([r for _, r in curve])
    half = times >= times[-1] / 2
    slope = np.polyfit(times[half] / 60, rss[half], 1)[0] if half.sum() >= 2 else float("nan")
    print(
        f"RSS: start {rss[0]:.1f} MB, max {rss.max():.1f} MB, end {rss[-1]:.1f} MB; "
        f"second-half slope {slope:+.2f} MB/min"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=2)
    parser.add_argument("--minutes", type=float, default=8.0)
    parser.add_argument("--fps", type=float, default=20.0)
    parser.add_argument("--session-s", type=float, default=60.0, help="a client starts a new session this often")
    parser.add_argument("--sample-s", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        process, url = start_server(Path(folder), f"sqlite:///{Path(folder) / 'soak.db'}")
        try:
            jpeg, t0 = frame_jpeg(), time.perf_counter()
            end = t0 + args.minutes * 60
            clients = [Client() for _ in range(args.sessions)]
            curve: list[tuple[float, float]] = []
            threads = [
                threading.Thread(target=client, args=(url, jpeg, args.fps, end, args.session_s, c)) for c in clients
            ]
            threads.append(threading.Thread(target=sample, args=(process.pid, t0, end, args.sample_s, curve)))
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            report(clients, curve)
        finally:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
