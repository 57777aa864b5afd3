"""/api/observations: query with filters, export as CSV or JSONL; /api/data: delete everything."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import StreamingResponse

from emolens.analytics import confidence_score, emotion_counts, emotion_shares, timeline
from emolens.session import ObservationRow, csv_lines, jsonl_lines, load_user_settings
from emolens.storage import ObservationFilter
from emolens.web import erase
from emolens.web.params import PlainText
from emolens.web.schemas import ObservationOut, ObservationStatsOut
from emolens.web.state import StateDep, StoreDep

__all__ = ["filters", "router"]

router = APIRouter(tags=["observations"])


MAX_OFFSET = 10**12  # far beyond any table, far below the 64-bit integers databases take


def _when(text: str | None, end: bool) -> datetime | None:
    """A query's date or time as aware UTC; 422 when it is not one or lies outside the calendar's range."""
    if not text:
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return start + (timedelta(days=1) if end else timedelta())
        moment = datetime.fromisoformat(text)
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        raise HTTPException(
            422, f"bad date {text[:40]!r}: use YYYY-MM-DD or an ISO 8601 time between years 1 and 9999"
        ) from None


def filters(
    session_id: PlainText = None,
    source: PlainText = None,
    scenario: PlainText = None,
    person: PlainText = None,
    emotion: PlainText = None,
    since: Annotated[str | None, Query(max_length=40, description="YYYY-MM-DD or ISO time, inclusive")] = None,
    until: Annotated[
        str | None, Query(max_length=40, description="YYYY-MM-DD (whole day included) or ISO time, exclusive")
    ] = None,
    limit: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> ObservationFilter:
    """The filter from query parameters; empty strings count as 'any'."""
    return ObservationFilter(
        session_id=session_id or None,
        source=source or None,
        scenario=scenario or None,
        person=person or None,
        emotion=emotion or None,
        since=_when(since, end=False),
        until=_when(until, end=True),
        limit=limit,
        offset=offset,
    )


FilterDep = Annotated[ObservationFilter, Depends(filters)]


@router.get("/api/observations")
def query_observations(f: FilterDep, store: StoreDep) -> list[ObservationOut]:
    """Observations matching the filters, oldest first."""
    return [ObservationOut.model_validate(o.to_dict()) for o in store.query_observations(f)]


@router.get("/api/observations/stats")
def observation_stats(f: FilterDep, store: StoreDep) -> ObservationStatsOut:
    """Counts, shares, timeline and confidence score of the filtered observations (analytics charts)."""
    rows = store.query_observations(f)
    counts = emotion_counts(o.emotion for o in rows)
    prefs = load_user_settings(store)
    return ObservationStatsOut(
        total=len(rows),
        counts=counts,
        shares=emotion_shares(counts),
        timeline=timeline(rows),
        confidence_score=confidence_score(counts, prefs.weights, prefs.other_weight),
        **store.distinct_values(),
    )


@router.get("/api/observations/export")
def export(f: FilterDep, store: StoreDep, format: Literal["csv", "jsonl"] = "csv") -> StreamingResponse:
    """The filtered observations as a CSV or JSONL download (columns: ``emolens.session.rows``)."""
    rows = [ObservationRow.of_record(o) for o in store.query_observations(f)]
    body: Iterator[str] = csv_lines(rows) if format == "csv" else jsonl_lines(rows)
    media = "text/csv" if format == "csv" else "application/x-ndjson"
    name = f"emolens-observations.{format}"
    return StreamingResponse(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.delete("/api/data", tags=["settings"])
def delete_everything(state: StateDep) -> dict[str, int]:
    """Delete every session, observation and face crop (people and settings stay)."""
    return {"deleted_sessions": erase.delete_everything(state.store, state.settings.data_folder)}
