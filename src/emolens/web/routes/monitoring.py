"""/api/monitoring: the live sessions' rolling window against the reference; its drift events, listed and
exported as CSV or JSONL."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from emolens.monitoring.window import window_summary
from emolens.storage.drift_events import DriftEventRecord
from emolens.web.params import PlainText
from emolens.web.schemas import DriftEventOut, MonitoringOut
from emolens.web.state import StateDep, StoreDep

__all__ = ["EVENT_COLUMNS", "router"]

router = APIRouter(tags=["monitoring"])
EVENT_COLUMNS = ("id", "at", "session_id", "source", "verdict", "features", "details")
Limit = Annotated[int, Query(ge=1, le=100_000)]


@router.get("/api/monitoring")
def monitoring(state: StateDep) -> MonitoringOut:
    """The recent window per feature against the reference band, the prediction mix over time, the verdict."""
    watch = state.watch
    if watch is None:
        return MonitoringOut(
            enabled=False, verdict="ok", faces=0, window=0, check_every=0, checked=False, features=[],
            prediction_mix=[], reference_mix={}, mix_level=None, last_event=None,
        )  # fmt: skip
    recent, report, verdict = watch.snapshot()
    summary = window_summary(watch.profile, recent, report, verdict)
    stored = state.store.drift_events.list(1)  # from the database: a deleted session's event is gone
    last = stored[0].to_dict() if stored else None
    options = watch.options
    return MonitoringOut.model_validate(
        {**summary, "enabled": True, "window": options.window, "check_every": options.check_every, "last_event": last}
    )


@router.get("/api/monitoring/events")
def events(store: StoreDep, limit: Limit = 100, session_id: PlainText = None) -> list[DriftEventOut]:
    """Stored drift events, newest first (of one session when ``session_id`` is given)."""
    found = store.drift_events.list(limit, session_id=session_id or None)
    return [DriftEventOut.model_validate(e.to_dict()) for e in found]


def _csv(found: list[DriftEventRecord]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EVENT_COLUMNS)
    for event in found:
        row = event.to_dict()
        writer.writerow([json.dumps(row[c]) if c in ("features", "details") else row[c] for c in EVENT_COLUMNS])
    yield buffer.getvalue()


@router.get("/api/monitoring/events/export")
def export_events(store: StoreDep, format: Literal["csv", "jsonl"] = "csv") -> StreamingResponse:
    """Every stored drift event as a CSV (features and details as JSON text) or JSONL download, oldest first."""
    found = list(reversed(store.drift_events.list(limit=None)))
    body = _csv(found) if format == "csv" else (json.dumps(e.to_dict()) + "\n" for e in found)
    media = "text/csv" if format == "csv" else "application/x-ndjson"
    name = f"emolens-drift-events.{format}"
    return StreamingResponse(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})
