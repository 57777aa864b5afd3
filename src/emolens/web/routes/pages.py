"""The HTML pages: live, upload, analytics, advice, people, settings."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from emolens.analytics import SCENARIOS
from emolens.types import EMOTIONS

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parents[1] / "templates")
PAGES = {
    "live": "Live",
    "upload": "Upload",
    "analytics": "Analytics",
    "advice": "Advice",
    "people": "People",
    "settings": "Settings",
}


def _render(request: Request, page: str) -> HTMLResponse:
    context = {
        "page": page,
        "pages": PAGES,
        "csrf": request.state.csrf,
        "scenarios": list(SCENARIOS.values()),
        "emotions": [e.value for e in EMOTIONS],
    }
    return templates.TemplateResponse(request, f"{page}.html", context)


@router.get("/", response_class=HTMLResponse)
def live_page(request: Request) -> HTMLResponse:
    return _render(request, "live")


@router.get("/upload", response_class=HTMLResponse)
def upload_page(request: Request) -> HTMLResponse:
    return _render(request, "upload")


@router.get("/analytics", response_class=HTMLResponse)
def analytics_page(request: Request) -> HTMLResponse:
    return _render(request, "analytics")


@router.get("/advice", response_class=HTMLResponse)
def advice_page(request: Request) -> HTMLResponse:
    return _render(request, "advice")


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request) -> HTMLResponse:
    return _render(request, "settings")


@router.get("/people", response_class=HTMLResponse)
def people_page(request: Request) -> HTMLResponse:
    return _render(request, "people")
