"""/api/settings: retention, face-crop saving and score weights chosen by the user; /api/csrf."""

from __future__ import annotations

from fastapi import APIRouter, Request

from emolens.web.schemas import SettingsPublic, SettingsUpdate
from emolens.web.state import StateDep, StoreDep, user_settings

__all__ = ["router"]

router = APIRouter(tags=["settings"])


@router.get("/api/settings")
def get_settings(store: StoreDep) -> SettingsPublic:
    return user_settings(store)


@router.put("/api/settings")
def put_settings(body: SettingsUpdate, state: StateDep) -> SettingsPublic:
    """Save the settings and apply the retention rule at once (sessions being recorded are spared)."""
    state.store.set_setting("user", body.model_dump())
    state.apply_retention(body.retention)
    return user_settings(state.store)


@router.get("/api/csrf")
def csrf(request: Request) -> dict[str, str]:
    """A CSRF token for scripts without an API token: send it back as X-CSRF-Token with the cookie set here."""
    return {"csrf_token": request.state.csrf, "header": "X-CSRF-Token", "cookie": "emolens_csrf"}
