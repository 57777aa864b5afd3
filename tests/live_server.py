"""Start a real `emolens serve` process on a fresh SQLite file, and talk to it as the pages do."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

TOKEN = "test-token-0123456789abcdef"


@dataclass
class Server:
    url: str
    db_path: Path
    data_dir: Path
    token: str | None

    def client(self) -> httpx.Client:
        """A client that holds the CSRF cookie and sends it back in the header, as the pages do."""
        token = httpx.get(f"{self.url}/api/csrf").json()["csrf_token"]
        cookies, headers = {"emolens_csrf": token}, {"X-CSRF-Token": token}
        return httpx.Client(base_url=self.url, timeout=60, cookies=cookies, headers=headers)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(folder: Path, *extra: str, token: str | None = None) -> Iterator[Server]:
    folder.mkdir(parents=True, exist_ok=True)
    port, db = _free_port(), folder / "web.db"
    env = {**os.environ, "EMOLENS_DATA_DIR": str(folder / "data"), "EMOLENS_DB": f"sqlite:///{db}"}
    env.pop("EMOLENS_API_TOKEN", None)
    args = [sys.executable, "-m", "emolens", "serve", "--port", str(port), "--workers", "1", *extra]
    if token:
        args += ["--api-token", token]
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(url, process, folder / "server.log")
        yield Server(url, db, folder / "data", token)
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def _wait(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"emolens serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/api/settings", timeout=2).status_code in (200, 401):
                return
        except httpx.TransportError:
            time.sleep(0.3)
    raise RuntimeError(f"emolens serve did not answer within 90 s:\n{log.read_text()}")
