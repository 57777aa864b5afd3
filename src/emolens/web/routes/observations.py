"""/api/observations: query with filters, pages of history, statistics, export as CSV or JSONL; /api/data: delete
everything. Statistics are counted by the database; pages are keyset pages; exports stream from a cursor."""

from __future__ import annotations

import base64
import binascii
import itertools
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import StreamingResponse

from emolens.session import ObservationRow, csv_lines, jsonl_lines, load_user_settings
from emolens.session.statistics import ObservationStatsOut, observation_stats
from emolens.storage import ObservationFilter, PageKey
from emolens.web import erase
from emolens.web.params import PlainText
from emolens.web.schemas import ObservationOut, ObservationPageOut
from emolens.web.state import StateDep, StoreDep

__all__ = ["FilterDep", "MatchDep", "filters", "router"]

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


def matching(
    session_id: PlainText = None,
    source: PlainText = None,
    scenario: PlainText = None,
    person: PlainText = None,
    emotion: PlainText = None,
    since: Annotated[str | None, Query(max_length=40, description="YYYY-MM-DD or ISO time, inclusive")] = None,
    until: Annotated[
        str | None, Query(max_length=40, description="YYYY-MM-DD (whole day included) or ISO time, exclusive")
    ] = None,
) -> ObservationFilter:
    """Which observations the query parameters select; empty strings count as 'any'."""
    return ObservationFilter(
        session_id=session_id or None,
        source=source or None,
        scenario=scenario or None,
        person=person or None,
        emotion=emotion or None,
        since=_when(since, end=False),
        until=_when(until, end=True),
    )


MatchDep = Annotated[ObservationFilter, Depends(matching)]


def filters(
    f: MatchDep,
    limit: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> ObservationFilter:
    """The filter from query parameters, with a limit and an offset."""
    return replace(f, limit=limit, offset=offset)


FilterDep = Annotated[ObservationFilter, Depends(filters)]
Order = Literal["newest", "oldest"]
_BAD_CURSOR = "pass the `next` value of the previous page unchanged, or leave `cursor` out for the first page"


def encode_cursor(key: PageKey, order: Order) -> str:
    """The opaque token of the page after ``key``."""
    text = json.dumps({"t": key.timestamp.isoformat(), "i": key.id, "o": order}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(token: str, order: Order) -> PageKey:
    """The page key in ``token``; 422 when it is not a token this API gave for ``order``."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        when, row_id = datetime.fromisoformat(data["t"]), data["i"]
        if data["o"] != order:
            wrong = f"the cursor belongs to a page in {data['o']!r} order, not {order!r}"
            raise HTTPException(422, f"{wrong}: {_BAD_CURSOR}")
        if when.tzinfo is None or type(row_id) is not int or not 0 <= row_id < 2**63:
            raise ValueError(token)
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError):
        raise HTTPException(422, f"bad cursor {token[:40]!r}: {_BAD_CURSOR}") from None
    return PageKey(when, row_id)


@router.get("/api/observations")
def query_observations(f: FilterDep, store: StoreDep) -> list[ObservationOut]:
    """Observations matching the filters, oldest first (for long histories, page with /api/observations/page)."""
    return [ObservationOut.model_validate(o.to_dict()) for o in store.query_observations(f)]


@router.get("/api/observations/page")
def observation_page(
    f: MatchDep,
    store: StoreDep,
    cursor: Annotated[str | None, Query(max_length=400, description="the `next` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    order: Order = "newest",
) -> ObservationPageOut:
    """One page of the matching observations (newest first by default) and ``next``, the cursor of the page
    after it (null on the last page). Every page costs the same, however deep."""
    after = decode_cursor(cursor, order) if cursor else None
    records, key = store.page_observations(f, after, limit, newest_first=order == "newest")
    return ObservationPageOut(
        items=[ObservationOut.model_validate(o.to_dict()) for o in records],
        next=encode_cursor(key, order) if key else None,
    )


@router.get("/api/observations/stats")
def stats(f: MatchDep, store: StoreDep) -> ObservationStatsOut:
    """Counts, shares, confidence score, timeline (each emotion's share per time bucket, the bucket width
    following the span) and per-person and per-scenario tables of the matching observations."""
    return observation_stats(store, f, load_user_settings(store))


EXPORT_CHUNK_CHARS = 1 << 16  # lines are sent in chunks of about this size: one line per chunk is 10x slower


def _chunks(lines: Iterator[str]) -> Iterator[str]:
    batch: list[str] = []
    size = 0
    for line in lines:
        batch.append(line)
        size += len(line)
        if size >= EXPORT_CHUNK_CHARS:
            yield "".join(batch)
            batch, size = [], 0
    yield "".join(batch)


@router.get("/api/observations/export")
def export(f: FilterDep, store: StoreDep, format: Literal["csv", "jsonl"] = "csv") -> StreamingResponse:
    """The filtered observations as a CSV or JSONL download (columns: ``emolens.session.rows``), streamed from
    a database cursor: the server holds one batch of rows at a time, however many there are."""
    rows = (ObservationRow.of_record(o) for o in store.stream_observations(f))
    body = _chunks(csv_lines(rows) if format == "csv" else jsonl_lines(rows))
    first = next(body)  # here, so that a database error is an error answer, not a cut-off download
    media = "text/csv" if format == "csv" else "application/x-ndjson"
    name = f"emolens-observations.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return StreamingResponse(itertools.chain([first], body), media_type=media, headers=headers)


@router.delete("/api/data", tags=["settings"])
def delete_everything(state: StateDep) -> dict[str, int]:
    """Delete every session, observation and face crop (people and settings stay)."""
    return {"deleted_sessions": erase.delete_everything(state.store, state.settings.data_folder)}
