"""The web app: live webcam, uploads, analytics, advice and settings pages, JSON API, kiosk endpoints."""

from __future__ import annotations

from emolens.web.app import create_app
from emolens.web.settings import WebSettings

__all__ = ["WebSettings", "create_app"]
