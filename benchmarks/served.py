"""A real `emolens serve` on a free local port, for the benchmarks that measure the server from outside."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def start_server(folder: Path, db_url: str, *options: str) -> tuple[subprocess.Popen[bytes], str]:
    """(the server process, its URL), once it answers; its log goes to ``folder``/server.log."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "EMOLENS_DATA_DIR": str(folder / "data")}
    args = [sys.executable, "-m", "emolens", "serve", "--port", str(port), "--db", db_url, *options]
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=(folder / "server.log").open("w"))
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            httpx.get(url + "/api/settings", timeout=2)
            return process, url
        except httpx.TransportError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"the server did not start: {(folder / 'server.log').read_text()}")
