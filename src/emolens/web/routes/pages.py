"""The HTML pages: live, upload, analytics, advice, people, monitoring, settings."""

from __future__ import annotations

from collections.abc import Callable
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
    "monitoring": "Monitoring",
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


def _page_route(page: str) -> Callable[[Request], HTMLResponse]:
    def route(request: Request) -> HTMLResponse:
        return _render(request, page)

    route.__name__ = f"{page}_page"
    return route


for _page in PAGES:
    router.add_api_route("/" if _page == "live" else f"/{_page}", _page_route(_page), response_class=HTMLResponse)
