"""The session layer: predictions become recorded observations, exported rows, face crops, running statistics
and summaries, under the user's settings. web/, desktop/ and cli/ call it; it never imports them.

>>> recorder = SessionRecorder.start(store, "Interview", source="desktop")   # doctest: +SKIP
>>> recorder.add(predictions, datetime.now(UTC))                              # doctest: +SKIP
"""

from __future__ import annotations

from emolens.session.crops import FaceCropSaver
from emolens.session.recorder import SessionRecorder
from emolens.session.rows import COLUMNS, ObservationRow, csv_lines, jsonl_lines, write_csv
from emolens.session.samples import TrackSampler
from emolens.session.settings import UserSettings, load_user_settings, save_user_settings
from emolens.session.stats import FpsMeter, LiveStats
from emolens.session.summary import (
    RunFacts,
    SessionSummary,
    session_summary,
    summarize_observations,
    summarize_run,
)

__all__ = [
    "COLUMNS",
    "FaceCropSaver",
    "FpsMeter",
    "LiveStats",
    "ObservationRow",
    "RunFacts",
    "SessionRecorder",
    "SessionSummary",
    "TrackSampler",
    "UserSettings",
    "csv_lines",
    "jsonl_lines",
    "load_user_settings",
    "save_user_settings",
    "session_summary",
    "summarize_observations",
    "summarize_run",
    "write_csv",
]
