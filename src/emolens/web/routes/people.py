"""/api/people: enrol from photos or webcam captures, list, remove with their records; per-person counts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Path, UploadFile
from starlette.concurrency import run_in_threadpool

from emolens.session import load_user_settings
from emolens.session.people import enrol, reload_gallery
from emolens.session.statistics import observation_stats
from emolens.storage import check_person_name
from emolens.web import erase
from emolens.web.limits import check_pixel_budget
from emolens.web.routes.analyze import IMAGE_TYPES
from emolens.web.routes.observations import MatchDep
from emolens.web.schemas import PersonOut, PersonStatsOut
from emolens.web.state import AppState, StateDep, StoreDep

__all__ = ["router"]

router = APIRouter(prefix="/api/people", tags=["people"])
MAX_PHOTOS = 20
PersonId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The person's id, as GET /api/people lists it")]


def _reload_gallery(state: AppState) -> None:
    """Swap the enrolled embeddings into this server's gallery now (other servers follow within a heartbeat)."""
    if state.gallery is not None and state.recognizer is not None:
        reload_gallery(state.store, state.recognizer, state.gallery)


async def _photos(state: AppState, photos: list[UploadFile]) -> list[tuple[str, bytes]]:
    if not photos or len(photos) > MAX_PHOTOS:
        raise HTTPException(422, f"send 1 to {MAX_PHOTOS} photos of the person's face, got {len(photos)}")
    limit = int(state.settings.max_image_mb * 1024 * 1024)
    items = []
    for n, upload in enumerate(photos, 1):
        name = upload.filename or f"capture {n}"
        if upload.filename and not any(name.lower().endswith(t) for t in IMAGE_TYPES):
            raise HTTPException(415, f"{name!r} is not a photo; send JPEG, PNG, BMP, WebP or TIFF")
        data = await upload.read(limit + 1)
        if len(data) > limit:
            raise HTTPException(413, f"{name} is larger than the {state.settings.max_image_mb:g} MB limit")
        items.append((name, data))
    return items


@router.get("")
def list_people(store: StoreDep) -> list[PersonOut]:
    """Enrolled people with how many embeddings and observations each has."""
    return [PersonOut.model_validate(p.to_dict()) for p in store.people.list()]


@router.post("", status_code=201)
async def add_person(
    state: StateDep,
    name: Annotated[str, Form(max_length=200)],
    photos: Annotated[list[UploadFile], File(description="Photos or webcam captures, each with exactly one face")],
) -> PersonOut:
    """Enrol a person (or add photos to them); a photo without exactly one face refuses the whole request."""
    check_person_name(name)  # a name that cannot be stored or addressed is refused before any photo is read
    items = await _photos(state, photos)
    check_pixel_budget([d for _, d in items], state.settings.max_request_mp)
    record = await state.batch_pool.run(
        lambda analyzer: enrol(state.store, analyzer, name, [d for _, d in items], [n for n, _ in items])
    )
    await run_in_threadpool(_reload_gallery, state)
    return PersonOut.model_validate(record.to_dict())


@router.delete("/{person_id}")
async def remove_person(person_id: PersonId, state: StateDep) -> PersonOut:
    """Remove a person (by the id GET /api/people lists), their embeddings, observations and face crops."""
    record = await run_in_threadpool(erase.remove_person, state.store, state.settings.data_folder, person_id)
    await run_in_threadpool(_reload_gallery, state)
    return PersonOut.model_validate(record.to_dict())


@router.get("/stats")
def person_stats(f: MatchDep, store: StoreDep) -> list[PersonStatsOut]:
    """Per person (null: faces nobody is enrolled as): counts per emotion and the confidence score."""
    rows = observation_stats(store, f, load_user_settings(store)).by_person
    return [
        PersonStatsOut(person=r.name, counts=r.counts, total=r.total, confidence_score=r.confidence_score) for r in rows
    ]
