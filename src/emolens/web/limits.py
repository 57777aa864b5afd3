"""Request limits that act before work is done: body bytes per route (before the body is spooled) and pixels per
request (read from the image headers before anything is decoded)."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable, Mapping

from fastapi import HTTPException
from PIL import Image, UnidentifiedImageError
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from emolens.web.settings import WebSettings

__all__ = ["BodyLimitMiddleware", "body_limits", "check_pixel_budget"]

MB = 1024 * 1024
JSON_LIMIT_BYTES = 1 * MB
MULTIPART_OVERHEAD_BYTES = 256 * 1024


def body_limits(settings: WebSettings, max_photos: int) -> dict[str, int]:
    """The largest body, in bytes, each upload route takes (files plus multipart headers; ``max_photos`` per
    enrolment); other routes take 1 MB."""
    image = int(settings.max_image_mb * MB)
    uploads = max(settings.max_images * image, int(settings.max_video_mb * MB))
    return {
        "/api/analyze": image + MULTIPART_OVERHEAD_BYTES,
        "/api/uploads": uploads + MULTIPART_OVERHEAD_BYTES,
        "/api/people": max_photos * image + MULTIPART_OVERHEAD_BYTES,
    }


def _too_large(path: str, limit: int) -> JSONResponse:
    detail = f"the request body is larger than the {limit / MB:.2f} MB {path} takes; send a smaller one"
    if path in ("/api/uploads", "/api/analyze", "/api/people"):
        detail += " (fewer or smaller files; the limits are the --max-* settings of `emolens serve`)"
    return JSONResponse({"detail": detail}, 413, headers={"connection": "close"})


class _Meter:
    """Counts the body bytes the app reads; past ``limit`` it answers 413 itself and tells the app the client left."""

    def __init__(self, receive: Receive, send: Send, scope: Scope, limit: int):
        self._receive, self._send, self._scope, self.limit = receive, send, scope, limit
        self.received, self.refused = 0, False

    async def receive(self) -> Message:
        if self.refused:
            return {"type": "http.disconnect"}
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limit:
                self.refused = True
                await _too_large(self._scope["path"], self.limit)(self._scope, self._receive, self._send)
                return {"type": "http.disconnect"}
        return message

    async def send(self, message: Message) -> None:
        if not self.refused:
            await self._send(message)


class BodyLimitMiddleware:
    """Refuses a body larger than its route takes: at once when Content-Length says so (nothing is read), and as
    soon as a streamed (chunked) body passes the limit. Pure ASGI, so uploads are never spooled past the limit."""

    def __init__(self, app: ASGIApp, limits: Mapping[str, int], default: int = JSON_LIMIT_BYTES):
        self.app, self.limits, self.default = app, dict(limits), default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.get(scope["path"].rstrip("/") or "/", self.default)
        length = Headers(scope=scope).get("content-length")
        if length is not None and length.strip().isdigit() and int(length) > limit:
            await _too_large(scope["path"], limit)(scope, receive, send)
            return
        meter = _Meter(receive, send, scope, limit)
        try:
            await self.app(scope, meter.receive, meter.send)
        except Exception:
            if not meter.refused:  # the app's complaint about the cut-off body; the 413 is already sent
                raise


def _header_pixels(data: bytes) -> int:
    """Width x height from the image header (nothing decoded); 0 when it is not an image PIL knows."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                return int(width) * int(height)
    except Image.DecompressionBombError:
        return 2 * int(Image.MAX_IMAGE_PIXELS or 0) + 1
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return 0


def check_pixel_budget(images: Iterable[bytes], budget_mp: float) -> None:
    """413 when the images of one request hold more than ``budget_mp`` megapixels together (decoding them all
    would hold an analyzer for seconds); images PIL cannot read count 0 and fail later with their own error."""
    total = sum(_header_pixels(data) for data in images)
    if total > budget_mp * 1_000_000:
        raise HTTPException(
            413,
            f"the images of this request hold {total / 1e6:.1f} MP together, more than the {budget_mp:g} MP "
            "one request may hold; send fewer or smaller images in several requests",
        )
