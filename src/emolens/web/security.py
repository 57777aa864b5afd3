"""CSRF protection (double-submit cookie), the optional API token, and same-origin WebSockets."""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from collections.abc import Iterable
from urllib.parse import unquote_plus, urlsplit

from starlette.datastructures import Headers
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = [
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "LOOPBACK_HOSTS",
    "HostMiddleware",
    "RedactTokenFilter",
    "SecurityMiddleware",
    "authorised",
    "bound_hosts",
    "host_allowed",
    "same_origin",
]

CSRF_COOKIE = "emolens_csrf"
CSRF_HEADER = "x-csrf-token"
TOKEN_COOKIE = "emolens_token"
_SAFE = {"GET", "HEAD", "OPTIONS"}
_OPEN_PATHS = ("/static/",)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
_ANY_INTERFACE = ("0.0.0.0", "::", "")
_QUERY_PAIR = re.compile(r"([?&;])([^=&;?\s\"]+)=([^&;\s\"]*)")


def _equal(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def _bearer(conn: HTTPConnection) -> str | None:
    header = conn.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def authorised(conn: HTTPConnection, token: str | None) -> bool:
    """True when no token is configured, or the request carries it (Bearer header, cookie or ?token=)."""
    if token is None:
        return True
    offered = _bearer(conn) or conn.cookies.get(TOKEN_COOKIE) or conn.query_params.get("token")
    return _equal(offered, token)


def bound_hosts(bind: str, extra: Iterable[str] = ()) -> tuple[str, ...]:
    """The Host names a server listening on ``bind`` answers to: loopback names for a loopback or any-interface
    bind, else the bind address itself; plus ``extra`` ("*": any host)."""
    bind = bind.strip().strip("[]").lower()
    own = LOOPBACK_HOSTS if bind in (*LOOPBACK_HOSTS, *_ANY_INTERFACE) else (bind,)
    names = [*own, *(h.strip().lower().rstrip(".") for h in extra if h.strip())]
    return tuple(dict.fromkeys(names))


def _split_host(netloc: str) -> tuple[str, str]:
    """``host[:port]`` or ``[v6][:port]`` -> (host lower-cased without brackets or final dot, port or "")."""
    netloc = netloc.strip().lower()
    if netloc.startswith("["):
        host, _, rest = netloc[1:].partition("]")
        return host, rest[1:] if rest.startswith(":") else ""
    host, _, port = netloc.rpartition(":") if netloc.count(":") == 1 else (netloc, "", "")
    return host.rstrip("."), port


def host_allowed(host_header: str | None, allowed: Iterable[str]) -> bool:
    """True when the Host header names one of ``allowed`` (any port), or ``allowed`` holds "*"."""
    names = set(allowed)
    return "*" in names or (bool(host_header) and _split_host(host_header or "")[0] in names)


def same_origin(conn: HTTPConnection, allowed: Iterable[str] = LOOPBACK_HOSTS) -> bool:
    """True when a browser's Origin header (if any) names this server: one of the allowed hosts on the port the
    request came to (or exactly the Host header when any host is allowed). Blocks cross-site WebSockets."""
    origin = conn.headers.get("origin")
    if origin is None:
        return True
    netloc, host = urlsplit(origin).netloc, conn.headers.get("host", "")
    origin_name, origin_port = _split_host(netloc)
    names = set(allowed)
    return netloc == host or ("*" not in names and origin_name in names and origin_port == _split_host(host)[1])


class HostMiddleware:
    """Refuses requests and WebSocket handshakes whose Host header names a host this server was not told about:
    a web page on another name that resolves here (DNS rebinding) cannot reach the API."""

    def __init__(self, app: ASGIApp, allowed: Iterable[str]):
        self.app, self.allowed = app, tuple(allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        hosts = Headers(scope=scope).getlist("host")  # more than one: ambiguous, refused as RFC 9112 asks
        host = hosts[0] if len(hosts) == 1 else ", ".join(hosts) or None
        if len(hosts) == 1 and host_allowed(host, self.allowed):
            await self.app(scope, receive, send)
            return
        detail = (
            f"host {host!r} is not served here (DNS rebinding guard); if you reach this server by that name, "
            "start it with `emolens serve --allowed-host NAME` or EMOLENS_ALLOWED_HOSTS=NAME"
        )
        if scope["type"] == "http" or "websocket.http.response" in scope.get("extensions", {}):
            await JSONResponse({"detail": detail}, 400)(scope, receive, send)
        else:
            await send({"type": "websocket.close", "code": 1008, "reason": "host not allowed"})


class RedactTokenFilter(logging.Filter):
    """Replaces ``token=<value>`` in a log record's message and arguments (uvicorn's access and WebSocket lines
    carry the query string) with ``token=***``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def _redact(text: str) -> str:
    """``token=<value>`` -> ``token=***`` in every query string of ``text``, however the name is %-encoded."""

    def pair(match: re.Match[str]) -> str:
        separator, name, _ = match.groups()
        return f"{separator}{name}=***" if unquote_plus(name).strip().lower() == "token" else match.group(0)

    return _QUERY_PAIR.sub(pair, text)


class SecurityMiddleware(BaseHTTPMiddleware):
    """Refuses requests without the API token (when set) and state-changing requests without CSRF proof.

    A state-changing request passes with a valid ``Authorization: Bearer`` token, or with an
    ``X-CSRF-Token`` header equal to the ``emolens_csrf`` cookie that every page sets (a cross-site page
    can neither read the cookie nor add the header).
    """

    def __init__(self, app: object, token: str | None):
        super().__init__(app)  # type: ignore[arg-type]
        self.token = token

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if request.url.path.startswith(_OPEN_PATHS):
            return await call_next(request)
        if not authorised(request, self.token):
            return JSONResponse({"detail": "missing or wrong API token: send 'Authorization: Bearer <token>'"}, 401)
        bearer_ok = self.token is not None and _equal(_bearer(request), self.token)
        csrf_ok = _equal(request.headers.get(CSRF_HEADER), request.cookies.get(CSRF_COOKIE))
        if request.method not in _SAFE and not bearer_ok and not csrf_ok:
            return JSONResponse(
                {
                    "detail": "CSRF check failed: send the X-CSRF-Token header with the emolens_csrf cookie's value "
                    "(GET /api/csrf gives both), or use the API token"
                },
                403,
            )
        request.state.csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        response = await call_next(request)
        self._set_cookies(request, response)
        return response

    def _set_cookies(self, request: Request, response: Response) -> None:
        if CSRF_COOKIE not in request.cookies:
            response.set_cookie(CSRF_COOKIE, request.state.csrf, samesite="strict", httponly=False)
        if self.token and request.query_params.get("token") == self.token:
            response.set_cookie(TOKEN_COOKIE, self.token, samesite="strict", httponly=True)
