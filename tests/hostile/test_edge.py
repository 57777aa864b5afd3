"""Hostile input at the edge of `emolens serve`: Host headers (DNS rebinding), WebSocket origins, bodies larger
than a route takes (declared, lying or streamed), multipart oddities, the API token in its forms; plus the docs
pages served offline, the token kept out of the log, and live frames not waiting behind uploads."""

from __future__ import annotations

import json
import os
import re
import select
import socket
import struct
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from postgres_db import postgres_database

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
from emolens.web.security import bound_hosts
from live_server import TOKEN, Server, start_server

MB = 1024 * 1024
ALLOWED_FLAG, ALLOWED_ENV = "emolens.lan", "box.local, Kiosk.Example"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A SQLite server told about one host by flag and two by EMOLENS_ALLOWED_HOSTS."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("EMOLENS_ALLOWED_HOSTS", ALLOWED_ENV)
        servers = start_server(tmp_path_factory.mktemp("edge"), "--allowed-host", ALLOWED_FLAG)
        server = next(servers)
    yield server
    servers.close()


def _postgres_url() -> Iterator[str | None]:
    """A fresh PostgreSQL database when EMOLENS_TEST_POSTGRES_URL is set, else None (SQLite)."""
    if not os.environ.get("EMOLENS_TEST_POSTGRES_URL"):
        yield None
        return
    yield from postgres_database()


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server with --api-token that logs every request (PostgreSQL when available)."""
    databases = _postgres_url()
    db = next(databases)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("EMOLENS_LOG_LEVEL", "info")
        servers = start_server(tmp_path_factory.mktemp("guarded"), *(["--db", db] if db else []), token=TOKEN)
        server = next(servers)
    yield server
    servers.close()
    databases.close()


@dataclass
class Reply:
    status: int | None
    body: bytes
    seconds: float
    sent: int


def _port(server: Server) -> int:
    return int(server.url.rsplit(":", 1)[1])


def _raw(server: Server, head: str, chunks: Iterator[bytes] | list[bytes] = (), timeout: float = 20) -> Reply:
    """Send ``head`` and then ``chunks`` until the server answers; the first reply's status, body and timing."""
    with socket.create_connection(("127.0.0.1", _port(server)), timeout=timeout) as s:
        start, sent = time.perf_counter(), 0
        s.sendall(head.replace("\n", "\r\n").encode("latin-1"))
        for chunk in chunks:
            if select.select([s], [], [], 0)[0]:
                break  # the server answered: stop sending
            try:
                s.sendall(chunk)
            except OSError:
                break
            sent += len(chunk)
        data = _read_reply(s)
    match = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    body = data.split(b"\r\n\r\n", 1)[-1]
    return Reply(int(match.group(1)) if match else None, body, time.perf_counter() - start, sent)


def _read_reply(s: socket.socket) -> bytes:
    data = b""
    try:
        while b"\r\n\r\n" not in data or not _complete(data):
            part = s.recv(65536)
            if not part:
                break
            data += part
    except (TimeoutError, ConnectionResetError):
        pass
    return data


def _complete(data: bytes) -> bool:
    head, _, body = data.partition(b"\r\n\r\n")
    if head.startswith(b"HTTP/1.1 101 "):
        return True
    length = re.search(rb"(?i)content-length: *(\d+)", head)
    return length is not None and len(body) >= int(length.group(1))


def _alive(server: Server) -> None:
    assert httpx.get(server.url + "/api/settings", headers=_bearer(server)).status_code == 200


def _bearer(server: Server) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.token}"} if server.token else {}


def _csrf(server: Server) -> str:
    token = httpx.get(server.url + "/api/csrf").json()["csrf_token"]
    return f"Cookie: emolens_csrf={token}\nX-CSRF-Token: {token}\n"


# ---------------------------------------------------------------- Host headers (DNS rebinding)

HOSTS = [
    ("127.0.0.1:{port}", 200),
    ("localhost:{port}", 200),
    ("[::1]:{port}", 200),
    ("LOCALHOST:{port}", 200),
    ("localhost.:{port}", 200),
    ("emolens.lan:{port}", 200),
    ("box.local", 200),
    ("kiosk.example:8080", 200),
    ("rebind.evil.example", 400),
    ("rebind.evil.example:{port}", 400),
    ("127.0.0.1.evil.example:{port}", 400),
    ("localhost@evil.example", 400),
    ("evil.example#127.0.0.1", 400),
    ("0.0.0.0:{port}", 400),
    ("[::ffff:127.0.0.1]:{port}", 400),
    ("", 400),
]


@pytest.mark.parametrize(("host", "status"), HOSTS)
def test_host_header(site: Server, host: str, status: int) -> None:
    reply = _raw(site, f"GET /api/settings HTTP/1.1\nHost: {host.format(port=_port(site))}\nConnection: close\n\n")
    assert reply.status == status
    if status == 400:
        assert b"--allowed-host" in reply.body
    _alive(site)


@pytest.mark.parametrize(
    ("request_head", "status"),
    [
        ("GET / HTTP/1.1\nHost: rebind.evil.example\n\n", 400),
        ("POST /api/sessions HTTP/1.1\nHost: rebind.evil.example\nContent-Length: 0\n\n", 400),
        ("GET /api/settings HTTP/1.0\n\n", 400),  # no Host at all
        ("GET /api/settings HTTP/1.1\n\n", 400),  # HTTP/1.1 without Host: refused by the parser
        ("GET /api/settings HTTP/1.1\nHost: localhost\nHost: evil.example\n\n", 400),
    ],
    ids=["page", "state-change", "http10-no-host", "http11-no-host", "two-hosts"],
)
def test_host_header_requests(site: Server, request_head: str, status: int) -> None:
    assert _raw(site, request_head.replace("\n\n", "\nConnection: close\n\n", 1)).status == status
    _alive(site)


LOOPBACK = ("127.0.0.1", "localhost", "::1")


@pytest.mark.parametrize(
    ("bind", "extra", "hosts"),
    [
        ("127.0.0.1", [], LOOPBACK),
        ("localhost", [" Emolens.LAN. ", ""], (*LOOPBACK, "emolens.lan")),
        ("0.0.0.0", ["192.168.1.5"], (*LOOPBACK, "192.168.1.5")),
        ("192.168.1.5", [], ("192.168.1.5",)),
        ("[fe80::1]", ["*"], ("fe80::1", "*")),
    ],
)
def test_bound_hosts(bind: str, extra: list[str], hosts: tuple[str, ...]) -> None:
    assert bound_hosts(bind, extra) == hosts


# ---------------------------------------------------------------- WebSocket handshakes

WEBSOCKETS = [
    ("127.0.0.1:{port}", "http://127.0.0.1:{port}", 101),
    ("127.0.0.1:{port}", "http://localhost:{port}", 101),
    ("127.0.0.1:{port}", "http://emolens.lan:{port}", 101),
    ("emolens.lan:{port}", "http://emolens.lan:{port}", 101),
    ("127.0.0.1:{port}", None, 101),
    ("rebind.evil.example:{port}", "http://rebind.evil.example:{port}", 400),
    ("rebind.evil.example:{port}", None, 400),
    ("127.0.0.1:{port}", "http://evil.example", 403),
    ("127.0.0.1:{port}", "http://127.0.0.1:1", 403),
    ("127.0.0.1:{port}", "null", 403),
    ("127.0.0.1:{port}", "http://localhost.evil.example:{port}", 403),
]


@pytest.mark.parametrize(("host", "origin", "status"), WEBSOCKETS)
def test_websocket_host_and_origin(site: Server, host: str, origin: str | None, status: int) -> None:
    port = _port(site)
    head = f"GET /ws/live HTTP/1.1\nHost: {host.format(port=port)}\nUpgrade: websocket\nConnection: Upgrade\n"
    head += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\nSec-WebSocket-Version: 13\n"
    head += f"Origin: {origin.format(port=port)}\n\n" if origin else "\n"
    assert _raw(site, head).status == status
    _alive(site)


# ---------------------------------------------------------------- bodies larger than the route takes

DECLARED = [
    ("POST", "/api/analyze", 20 * MB, 413, b"larger than the 10.25 MB"),
    ("POST", "/api/uploads", 2048 * MB, 413, b"larger than the 200.25 MB"),
    ("POST", "/api/people", 300 * MB, 413, b"larger than the 200.25 MB"),
    ("PUT", "/api/settings", 2 * MB, 413, b"larger than the 1.00 MB"),
    ("DELETE", "/api/data", 5 * MB, 413, b"larger than the 1.00 MB"),
    ("POST", "/api/sessions", 10**30, 400, b"Invalid HTTP request"),  # the HTTP parser refuses it first
]


@pytest.mark.parametrize(("method", "path", "length", "status", "words"), DECLARED)
def test_declared_length_refused_first(
    site: Server, method: str, path: str, length: int, status: int, words: bytes
) -> None:
    head = f"{method} {path} HTTP/1.1\nHost: 127.0.0.1\n{_csrf(site)}Content-Type: multipart/form-data; boundary=b\n"
    reply = _raw(site, head + f"Content-Length: {length}\n\n", timeout=10)  # no body byte is ever sent
    assert reply.status == status and reply.seconds < 5
    assert words in reply.body
    _alive(site)


@pytest.mark.parametrize(
    "length",
    ["-1", "abc", "5, 7", "0x10", "1e9"],
)
def test_malformed_content_length(site: Server, length: str) -> None:
    head = f"PUT /api/settings HTTP/1.1\nHost: 127.0.0.1\n{_csrf(site)}Content-Length: {length}\nConnection: close\n\n"
    assert _raw(site, head).status == 400
    _alive(site)


def _multipart_chunks(field: str, filename: str, total: int) -> Iterator[bytes]:
    """A chunked multipart body whose one file goes on for ``total`` bytes (the server must stop it first)."""
    start = f'--b\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
    yield _chunk(start.encode() + b"Content-Type: image/png\r\n\r\n")
    block = _chunk(b"\x00" * 65536)
    for _ in range(total // 65536):
        yield block
    yield _chunk(b"\r\n--b--\r\n") + b"0\r\n\r\n"


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


@pytest.mark.parametrize(
    ("path", "field", "limit_mb"),
    [("/api/analyze", "image", 10.25), ("/api/uploads", "files", 200.25), ("/api/people", "photos", 200.25)],
)
def test_streamed_body_stopped_at_the_limit(site: Server, path: str, field: str, limit_mb: float) -> None:
    head = f"POST {path} HTTP/1.1\nHost: 127.0.0.1\n{_csrf(site)}Content-Type: multipart/form-data; boundary=b\n"
    total = int(4 * limit_mb * MB)
    reply = _raw(site, head + "Transfer-Encoding: chunked\n\n", _multipart_chunks(field, "big.png", total))
    assert reply.status == 413 and b"larger than" in reply.body
    assert reply.sent < (limit_mb + 20) * MB  # refused while the body was still coming, not once it was spooled
    _alive(site)


def test_streamed_json_stopped_at_the_limit(site: Server) -> None:
    head = f"PUT /api/settings HTTP/1.1\nHost: 127.0.0.1\n{_csrf(site)}Content-Type: application/json\n"
    body = (_chunk(b" " * 65536) for _ in range(200))
    reply = _raw(site, head + "Transfer-Encoding: chunked\n\n", body)
    assert reply.status == 413 and reply.sent < 12 * MB
    _alive(site)


def test_body_shorter_than_declared(site: Server) -> None:
    head = f"PUT /api/settings HTTP/1.1\nHost: 127.0.0.1\n{_csrf(site)}Content-Type: application/json\n"
    with socket.create_connection(("127.0.0.1", _port(site)), timeout=10) as s:
        s.sendall((head + "Content-Length: 1000\n\n").replace("\n", "\r\n").encode() + b'{"retention": 3')
        s.shutdown(socket.SHUT_WR)  # the client gives up: nothing is changed, nothing answers
        assert _read_reply(s) == b""
    assert httpx.get(site.url + "/api/settings").json()["retention"] == 5
    _alive(site)


# ---------------------------------------------------------------- multipart oddities


def _png(width: int, height: int) -> bytes:
    return cv2.imencode(".png", np.zeros((height, width, 3), np.uint8))[1].tobytes()


def _jpeg(image: np.ndarray) -> bytes:
    return cv2.imencode(".jpg", image)[1].tobytes()


MULTIPART = [
    ("/api/analyze", {}, 422, "field required"),
    ("/api/analyze", {"image": [("../../etc/passwd.jpg", b"root:x:0:0")]}, 422, "not an image"),
    ("/api/analyze", {"image": [("big.jpg", b"\xff" * (11 * MB))]}, 413, "larger than"),
    ("/api/uploads", {"files": [("a.png", b"")] * 21}, 413, "more than the limit"),
    ("/api/uploads", {"files": [(f"{n}.png", _png(6000, 6000)) for n in range(4)]}, 413, "MP together"),
    ("/api/people", {"photos": [(f"{n}.png", _png(6000, 6000)) for n in range(4)]}, 413, "MP together"),
    ("/api/uploads", {"files": [("clip.avi", b"RIFF"), ("a.png", b"")]}, 422, "not a mix"),
    ("/api/analyze", {"image": [("x" * 5000 + ".png", b"\x89PNG\r\n")]}, 400, "invalid multipart"),
    ("/api/analyze", {"image": [("a\x00b.png", b"\x89PNG\r\n")]}, 422, "not an image"),
    ("/api/uploads", {"files": [("a.png", b"")] * 1001}, 400, "too many files"),
]


@pytest.mark.parametrize(("path", "files", "status", "words"), MULTIPART)
def test_multipart_oddities(site: Server, path: str, files: dict, status: int, words: str) -> None:
    parts = [(field, item) for field, items in files.items() for item in items]
    data = {"name": "Edge"} if path == "/api/people" else {}
    with site.client() as client:
        reply = client.post(path, files=parts or None, data=data)
    assert reply.status_code == status
    assert words.lower() in json.dumps(reply.json()).lower()
    _alive(site)


def _field(n: int) -> bytes:
    return f'--x\r\nContent-Disposition: form-data; name="f{n}"\r\n\r\nv\r\n'.encode()


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        ("multipart/form-data", b"--x\r\n", 400),  # no boundary
        ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data\r\n\r\nx\r\n--x--\r\n", 400),
        ("multipart/form-data; boundary=x", b"".join(_field(n) for n in range(1100)) + b"--x--\r\n", 400),
        ("application/json", b'{"image": "x.png"}', 422),
        ("application/x-www-form-urlencoded", b"image=x.png", 422),
    ],
    ids=["no-boundary", "nameless-part", "1100-fields", "json", "urlencoded"],
)
def test_malformed_multipart(site: Server, content_type: str, body: bytes, status: int) -> None:
    with site.client() as client:
        reply = client.post("/api/analyze", content=body, headers={"Content-Type": content_type})
    assert reply.status_code == status
    _alive(site)


# ---------------------------------------------------------------- the API token in its forms

TOKENS = [
    ({}, {}, {}, 401),
    ({"Authorization": f"Bearer {TOKEN}"}, {}, {}, 200),
    ({"Authorization": f"bearer {TOKEN}"}, {}, {}, 200),
    ({"Authorization": "Bearer wrong-token-0123456789"}, {}, {}, 401),
    ({"Authorization": f"Basic {TOKEN}"}, {}, {}, 401),
    ({"Authorization": "Bearer"}, {}, {}, 401),
    ({}, {"token": TOKEN}, {}, 200),
    ({}, {"token": "wrong-token-0123456789"}, {}, 401),
    ({}, {"token": ""}, {}, 401),
    ({}, {"token": TOKEN[:-1]}, {}, 401),
    ({}, {}, {"emolens_token": TOKEN}, 200),
    ({}, {}, {"emolens_token": "wrong-token-0123456789"}, 401),
    ({"Authorization": "Bearer wrong-token-0123456789"}, {}, {"emolens_token": TOKEN}, 401),
]


@pytest.mark.parametrize(("headers", "query", "cookies", "status"), TOKENS)
def test_token_forms(guarded: Server, headers: dict, query: dict, cookies: dict, status: int) -> None:
    with httpx.Client(base_url=guarded.url, cookies=cookies) as client:
        assert client.get("/api/sessions", headers=headers, params=query).status_code == status
    _alive(guarded)


@pytest.mark.parametrize(
    ("headers", "query", "cookies", "status"),
    [
        ({"Authorization": f"Bearer {TOKEN}"}, {}, {}, 201),  # the Bearer token is CSRF proof too
        ({}, {"token": TOKEN}, {}, 403),  # a token a browser sends by itself is not
        ({}, {}, {"emolens_token": TOKEN}, 403),
        ({}, {}, {}, 401),
    ],
)
def test_token_on_state_changes(guarded: Server, headers: dict, query: dict, cookies: dict, status: int) -> None:
    with httpx.Client(base_url=guarded.url, cookies=cookies) as client:
        reply = client.post("/api/sessions", json={"scenario": "Token"}, headers=headers, params=query)
    assert reply.status_code == status
    _alive(guarded)


@pytest.mark.parametrize(("query", "refused"), [(f"?token={TOKEN}", None), ("", 403), ("?token=wrong-0123456789", 403)])
def test_token_on_websocket(guarded: Server, query: str, refused: int | None) -> None:
    url = guarded.url.replace("http", "ws") + "/ws/live" + query
    if refused:
        with pytest.raises(InvalidStatus) as error:
            connect(url, open_timeout=10)
        assert error.value.response.status_code == refused
    else:
        with connect(url, open_timeout=10) as ws:
            ws.send(json.dumps({"type": "start", "scenario": "Token"}))
            assert json.loads(ws.recv())["type"] == "started"
    _alive(guarded)


def test_token_never_in_the_access_log(guarded: Server) -> None:
    assert httpx.get(f"{guarded.url}/api/sessions?token={TOKEN}&x=1").status_code == 200
    assert httpx.get(f"{guarded.url}/docs?token={TOKEN}").status_code == 200
    assert httpx.get(f"{guarded.url}/api/settings?x=1&tok%65n={TOKEN}").status_code == 200  # an encoded name
    with connect(guarded.url.replace("http", "ws") + f"/ws/live?token={TOKEN}", open_timeout=10):
        pass
    time.sleep(0.5)
    log = (guarded.db_path.parent / "server.log").read_text()
    assert "GET /api/sessions?token=***&x=1" in log  # the request is logged, its token is not
    assert TOKEN not in log


# ---------------------------------------------------------------- API docs with no network


def test_docs_are_served_from_local_assets(site: Server) -> None:
    for page in ("/docs", "/redoc"):
        html = httpx.get(site.url + page).text
        urls = re.findall(r"""(?:src|href)=["']([^"']+)["']|url: *["']([^"']+)["']""", html)
        assets = [a or b for a, b in urls]
        assert assets and not re.search(r"https?://", html.replace(site.url, "")), page
        for asset in assets:
            assert httpx.get(site.url + asset).status_code == 200, asset


# ---------------------------------------------------------------- live frames do not wait behind uploads


def _next_reply(ws: Any) -> dict[str, Any]:
    """The next message that is not a drift notice (the monitor may raise one after any frame's result)."""
    while (message := json.loads(ws.recv()))["type"] == "drift":
        pass
    return message


def test_live_acks_while_a_heavy_upload_runs(site: Server, astronaut_bgr: np.ndarray) -> None:
    grid = np.tile(cv2.resize(astronaut_bgr, (300, 300)), (7, 7, 1))  # 2100x2100, 49 faces
    heavy = [(f"grid{n}.jpg", _jpeg(grid)) for n in range(20)]  # 88 MP: within the budget
    upload: dict[str, float] = {}

    def send_upload() -> None:
        with site.client() as client:
            upload["start"] = time.perf_counter()
            reply = client.post("/api/uploads", files=[("files", f) for f in heavy], timeout=300)
            upload["status"], upload["end"] = reply.status_code, time.perf_counter()

    frame = _jpeg(cv2.resize(astronaut_bgr, (320, 320)))
    latencies_s = []
    with connect(site.url.replace("http", "ws") + "/ws/live") as ws:
        ws.send(json.dumps({"type": "start", "scenario": "Beside an upload"}))
        ws.recv()
        worker = threading.Thread(target=send_upload)
        worker.start()
        while worker.is_alive():  # frames all through the upload, as a browser sends them
            sent = time.perf_counter()
            ws.send(struct.pack(">I", len(latencies_s)) + frame)
            assert _next_reply(ws)["type"] == "result"
            latencies_s.append(time.perf_counter() - sent)
        ws.send(json.dumps({"type": "stop"}))
        session = _next_reply(ws)["summary"]["session"]
    rows = httpx.get(site.url + "/api/observations", params={"session_id": session["id"]}).json()
    assert session["observation_count"] == sum(r["frames"] for r in rows) == len(latencies_s)
    took = upload["end"] - upload["start"]
    assert upload["status"] == 201 and took > 1.0
    assert max(latencies_s) < took / 3, f"a live ack waited {max(latencies_s):.1f} s of a {took:.1f} s upload"
    assert len(latencies_s) >= 5
    _alive(site)
