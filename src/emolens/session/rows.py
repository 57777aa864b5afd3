"""The one observation row that every export writes: web CSV/JSONL, the desktop's CSV, `emolens video --csv/--jsonl`.

One row per stored observation (live sessions store per-track samples: one row stands for ``frames`` frames of
a face) or per face per analysed frame (`emolens video`), with these columns in this order (``COLUMNS``):

=================  ===========================================================================================
session_id         the stored session (empty for `emolens video`, which stores nothing)
source             webcam, upload, video or desktop
scenario           the session's scenario (empty for `emolens video`)
timestamp          when the frame was seen, ISO 8601 with its UTC offset (empty for `emolens video`)
frame              the frame's index in its video (`emolens video` only; empty for stored observations)
time_s             the frame's media time in seconds (`emolens video` only)
track_id           the face's track within the session (empty when untracked)
person             the enrolled person recognised (empty when none)
emotion            the most likely emotion (of a sample: of its mean probabilities)
confidence         its probability, 4 decimals
x1, y1, x2, y2     the face's box in pixels of the frame (of a sample: its last frame)
p_<emotion>        the probability of each of the seven emotions (empty for one the model lacks; of a sample:
                   the mean over its frames)
frames             how many frames of the face's track the row stands for, from ``timestamp`` on (1: one
                   frame, as in `emolens video` and sessions recorded every frame)
=================  ===========================================================================================

JSONL rows carry the same keys (null for empty cells), and Parquet tables the same columns, typed
(``PARQUET_TYPES``: text, int64 or float64; null for empty cells); CSV cells that a spreadsheet would run as a formula
are written behind an apostrophe (``spreadsheet_safe``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from emolens.analytics import spreadsheet_safe
from emolens.storage import ObservationIn, ObservationRecord
from emolens.types import EMOTIONS, FrameResult, Prediction

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "COLUMNS",
    "PARQUET_TYPES",
    "ObservationRow",
    "arrow_table",
    "csv_lines",
    "jsonl_lines",
    "write_csv",
    "write_parquet",
]

_BOX = ("x1", "y1", "x2", "y2")
_NO_BOX = (None, None, None, None)
_EMOTION_NAMES = tuple(e.value for e in EMOTIONS)  # looked up once: Enum.value is slow in a loop over rows
COLUMNS: tuple[str, ...] = (
    "session_id",
    "source",
    "scenario",
    "timestamp",
    "frame",
    "time_s",
    "track_id",
    "person",
    "emotion",
    "confidence",
    *_BOX,
    *(f"p_{e}" for e in _EMOTION_NAMES),
    "frames",
)
_INTEGERS = ("frame", "track_id")
_TEXTS = ("session_id", "source", "scenario", "timestamp", "person", "emotion")
PARQUET_TYPES: dict[str, str] = {
    c: "string" if c in _TEXTS else "int64" if c in _INTEGERS else "float64" for c in COLUMNS
}


@dataclass(frozen=True)
class ObservationRow:
    """One exported observation; ``to_dict`` gives its cells by column."""

    source: str
    emotion: str
    confidence: float
    probabilities: dict[str, float] = field(default_factory=dict)
    bbox: tuple[float, float, float, float] | None = None
    track_id: int | None = None
    person: str | None = None
    session_id: str | None = None
    scenario: str | None = None
    timestamp: datetime | None = None
    frame: int | None = None
    time_s: float | None = None
    frames: int = 1

    @classmethod
    def of_record(cls, record: ObservationRecord) -> ObservationRow:
        """The row of a stored observation."""
        return cls.of_observation(record, record.session_id, record.source, record.scenario)

    @classmethod
    def of_observation(
        cls, o: ObservationIn | ObservationRecord, session_id: str, source: str, scenario: str
    ) -> ObservationRow:
        """The row of an observation of the session ``session_id`` (stored or not)."""
        return cls(
            source=source,
            emotion=o.emotion,
            confidence=o.confidence,
            probabilities=o.probabilities,
            bbox=o.bbox,
            track_id=o.track_id,
            person=o.person,
            session_id=session_id,
            scenario=scenario,
            timestamp=o.timestamp,
            frames=o.frames,
        )

    @classmethod
    def of_frame(cls, result: FrameResult, source: str = "video") -> list[ObservationRow]:
        """The rows of one analysed video frame, one per face (none for a frame without faces)."""
        return [cls._of_prediction(p, result, source) for p in result.predictions]

    @classmethod
    def _of_prediction(cls, p: Prediction, result: FrameResult, source: str) -> ObservationRow:
        return cls(
            source=source,
            emotion=p.label.value,
            confidence=p.confidence,
            probabilities={e.value: round(v, 5) for e, v in p.probabilities.items()},
            bbox=tuple(round(v, 1) for v in p.face.bbox.xyxy),  # type: ignore[arg-type]
            track_id=p.track_id,
            person=p.person,
            frame=result.index,
            time_s=round(result.timestamp_s, 3),
        )

    def to_dict(self) -> dict[str, object]:
        """Every column's value (None where empty), in ``COLUMNS`` order."""
        return dict(zip(COLUMNS, self.cells(), strict=True))

    def cells(self) -> tuple[object, ...]:
        """Every column's value (None where empty), in ``COLUMNS`` order, without the names."""
        p = self.probabilities.get
        return (
            self.session_id,
            self.source,
            self.scenario,
            self.timestamp.isoformat() if self.timestamp else None,
            self.frame,
            self.time_s,
            self.track_id,
            self.person,
            self.emotion,
            round(self.confidence, 4),
            *(self.bbox or _NO_BOX),
            *map(p, _EMOTION_NAMES),
            self.frames,
        )


def csv_lines(rows: Iterable[ObservationRow], header: bool = True) -> Iterator[str]:
    """The rows as CSV text, one line at a time (the header first unless ``header`` is False)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if header:
        writer.writerow(COLUMNS)
    for row in rows:  # the csv module writes None as an empty cell; only text can hold a formula
        writer.writerow([spreadsheet_safe(v) if type(v) is str else v for v in row.cells()])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def jsonl_lines(rows: Iterable[ObservationRow]) -> Iterator[str]:
    """The rows as JSON Lines, one object per row."""
    for row in rows:
        yield json.dumps(row.to_dict(), ensure_ascii=False) + "\n"


def write_csv(path: Path, rows: Iterable[ObservationRow]) -> int:
    """Write the rows as a CSV file (its folder made if needed); returns how many rows it holds."""
    table = list(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        handle.writelines(csv_lines(table))
    return len(table)


def arrow_table(rows: Iterable[ObservationRow]) -> pa.Table:
    """The rows as an Arrow table with ``COLUMNS`` typed as ``PARQUET_TYPES`` (pyarrow is imported on first use)."""
    import pyarrow as pa

    cells = [row.to_dict() for row in rows]
    schema = pa.schema([(c, pa.type_for_alias(PARQUET_TYPES[c])) for c in COLUMNS])
    return pa.Table.from_pylist(cells, schema=schema)


def write_parquet(path: Path, rows: Iterable[ObservationRow]) -> int:
    """Write the rows as a Parquet file (its folder made if needed); returns how many rows it holds."""
    import pyarrow.parquet as pq

    table = arrow_table(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return table.num_rows
