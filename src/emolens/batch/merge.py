"""The final pass of a batch: parts become one row per face per sampled frame, tracked through each video.

Workers leave faces untracked; here every video's frames are replayed in order through one Tracker with the
same smoothing and recognition rules as `emolens video` (:func:`emolens.vision.track.identify_tracks`), so
track ids, smoothed probabilities and people do not depend on how the video was split or on how many workers
analysed it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from emolens.batch.plan import Unit
from emolens.batch.work import UnitResult
from emolens.session.rows import ObservationRow, arrow_table
from emolens.types import BBox, Emotion, Face, FrameResult, Prediction
from emolens.vision.recognize import Gallery, Match
from emolens.vision.track import Track, Tracker, identify_tracks

__all__ = ["FileSummary", "faces_table", "file_rows", "summarise", "summary_table"]

_NO_LANDMARKS = np.zeros((0, 2), np.float32)


@dataclass(frozen=True)
class FileSummary:
    """One row of the per-file table: status is ok, partial (some frames lost), failed or skipped."""

    file: str
    kind: str
    frames: int
    faces: int
    dominant_emotion: str | None
    status: str
    error: str | None


def _prediction(
    face: Face, probs: np.ndarray, result: UnitResult, track: Track | None, person: str | None
) -> Prediction:
    best = int(np.argmax(probs))
    labels = [Emotion(v) for v in result.labels]
    return Prediction(
        face=face,
        probabilities={e: float(p) for e, p in zip(labels, probs, strict=True)},
        label=labels[best],
        confidence=float(probs[best]),
        model=result.model,
        model_version=result.model_version,
        track_id=track.track_id if track else None,
        person=track.person if track else person,
    )


def _faces_by_frame(result: UnitResult) -> dict[int, list[dict]]:
    by_frame: dict[int, list[dict]] = {}
    for row in result.faces.to_pylist():
        by_frame.setdefault(row["frame"], []).append(row)
    return by_frame


def _face(row: dict) -> Face:
    return Face(BBox(row["x1"], row["y1"], row["x2"], row["y2"]), _NO_LANDMARKS, row["score"])


def _image_rows(result: UnitResult) -> list[ObservationRow]:
    faces = result.faces.to_pylist()
    predictions = [
        _prediction(_face(r), np.asarray(r["probabilities"], np.float32), result, None, r["person"]) for r in faces
    ]
    return ObservationRow.of_frame(FrameResult(0, 0.0, predictions, (0, 0)), source="image")


def _recogniser(rows: list[dict], gallery: Gallery | None) -> Callable[[list[int]], list[Match]]:
    def recognise(due: list[int]) -> list[Match]:
        if gallery is None or rows[due[0]]["embedding"] is None:
            return [Match(None, float("inf"))] * len(due)
        return gallery.match(np.asarray([rows[i]["embedding"] for i in due], np.float32))

    return recognise


def _video_rows(
    results: list[UnitResult], smoothing: float, refresh_every: int, gallery: Gallery | None
) -> Iterator[tuple[int, float | None, list[Prediction]]]:
    """(frame, time, predictions) of each frame the units read, replayed through one tracker."""
    tracker = Tracker(smoothing=smoothing)
    version = gallery.version if gallery is not None and len(gallery) else None
    for result in results:
        by_frame = _faces_by_frame(result)
        for index in result.frames:
            rows = by_frame.get(index, [])
            probs = np.asarray([r["probabilities"] for r in rows], np.float32).reshape(len(rows), len(result.labels))
            faces = [_face(r) for r in rows]
            tracks = tracker.update([f.bbox for f in faces], probs)
            identify_tracks(tracks, _recogniser(rows, gallery), version, refresh_every)
            predictions = [_prediction(f, t.probabilities, result, t, None) for f, t in zip(faces, tracks, strict=True)]
            time_s = rows[0]["time_s"] if rows else None
            yield index, time_s, predictions


def file_rows(
    unit: Unit, results: list[UnitResult], smoothing: float, refresh_every: int, gallery: Gallery | None
) -> Iterator[ObservationRow]:
    """The rows of one file from its units' results (in frame order)."""
    if unit.kind == "image":
        yield from _image_rows(results[0])
        return
    for index, time_s, predictions in _video_rows(results, smoothing, refresh_every, gallery):
        if predictions:
            yield from ObservationRow.of_frame(FrameResult(index, time_s or 0.0, predictions, (0, 0)))


def summarise(unit: Unit, results: list[UnitResult], rows: list[ObservationRow]) -> FileSummary:
    """The file's line of the summary: frames analysed, faces, dominant emotion, status and error."""
    frames = [i for r in results for i in r.frames]
    errors = [r.error for r in results if r.error]
    counts = Counter(row.emotion for row in rows)
    dominant = min(counts, key=lambda e: (-counts[e], e)) if counts else None
    status, error = "ok", None
    if errors:
        status, error = ("partial" if frames else "failed"), errors[0]
    elif (
        unit.kind == "video" and frames and unit.declared_frames and max(frames) + unit.every < unit.declared_frames - 1
    ):
        status = "partial"
        error = f"ended at frame {max(frames)} of the {unit.declared_frames} it declares: truncated or corrupt"
    return FileSummary(unit.path, unit.kind, len(frames), len(rows), dominant, status, error)


def summary_table(summaries: list[FileSummary]) -> pa.Table:
    """The per-file table (one row per file, in path order)."""
    columns = ("file", "kind", "frames", "faces", "dominant_emotion", "status", "error")
    types = (pa.string(), pa.string(), pa.int64(), pa.int64(), pa.string(), pa.string(), pa.string())
    schema = pa.schema(list(zip(columns, types, strict=True)))
    return pa.Table.from_pylist([s.__dict__ for s in summaries], schema=schema)


def faces_table(files: list[str], rows: list[ObservationRow]) -> pa.Table:
    """The result table: the file of each row, then the observation row's columns."""
    return arrow_table(rows).add_column(0, "file", pa.array(files, pa.string()))
