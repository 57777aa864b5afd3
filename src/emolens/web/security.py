"""CSRF protection (double-submit cookie), the optional API token, and same-origin WebSockets."""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response

__all__ = ["CSRF_COOKIE", "CSRF_HEADER", "SecurityMiddleware", "authorised", "same_origin"]

CSRF_COOKIE = "emolens_csrf"
CSRF_HEADER = "x-csrf-token"
TOKEN_COOKIE = "emolens_token"
_SAFE = {"GET", "HEAD", "OPTIONS"}
_OPEN_PATHS = ("/static/",)


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


def same_origin(conn: HTTPConnection) -> bool:
    """True when a browser's Origin header (if any) names this server: blocks cross-site WebSockets."""
    origin = conn.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == conn.headers.get("host")


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
