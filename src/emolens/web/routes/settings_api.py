"""/api/settings: retention, face-crop saving and score weights chosen by the user; /api/csrf."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from emolens.session import UserSettings, load_user_settings, save_user_settings
from emolens.web.state import StateDep, StoreDep

__all__ = ["router"]

router = APIRouter(tags=["settings"])


@router.get("/api/settings")
def get_settings(store: StoreDep) -> UserSettings:
    return load_user_settings(store)


_CONFIRM: dict[int | str, dict[str, Any]] = {
    409: {"description": "the new retention would delete sessions: resend with ?confirm=true"}
}


@router.put("/api/settings", response_model=UserSettings, responses=_CONFIRM)
def put_settings(
    body: UserSettings,
    state: StateDep,
    confirm: Annotated[bool, Query(description="delete the sessions the new retention drops")] = False,
) -> UserSettings | JSONResponse:
    """Save the settings and apply the retention rule at once (sessions being recorded are spared).

    When that would delete sessions, nothing is saved unless ``confirm`` is true: a 409 says how many
    sessions and observations would go.
    """
    sessions, observations = state.store.retention_preview(body.retention)
    if sessions and not confirm:
        detail = (
            f"keeping the latest {body.retention} would delete {sessions} session(s) with {observations} "
            "observation(s); nothing was saved: resend with ?confirm=true to delete them"
        )
        return JSONResponse({"detail": detail, "sessions": sessions, "observations": observations}, status_code=409)
    save_user_settings(state.store, body)
    state.apply_retention(body.retention)
    return load_user_settings(state.store)


@router.get("/api/csrf")
def csrf(request: Request) -> dict[str, str]:
    """A CSRF token for scripts without an API token: send it back as X-CSRF-Token with the cookie set here."""
    return {"csrf_token": request.state.csrf, "header": "X-CSRF-Token", "cookie": "emolens_csrf"}
