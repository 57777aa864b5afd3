"""Running a batch: find the files, plan units, run the unfinished ones, journal each, merge the result.

The output folder holds ``plan.json`` (the units and options), ``parts/`` (one part per finished unit),
and the result: ``faces.parquet`` (one row per face per sampled frame), ``files.parquet`` (one row per
file) and ``errors.csv`` (the files that failed, or lost frames, and why).
"""

from __future__ import annotations

import csv
import json
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow.parquet as pq

from emolens.batch.inputs import MediaFile, find_media
from emolens.batch.merge import FileSummary, faces_table, file_rows, summarise, summary_table
from emolens.batch.parts import finished_ids, read_part, write_part
from emolens.batch.plan import BatchOptions, Unit, plan_units
from emolens.batch.runners import Runner
from emolens.errors import SourceError
from emolens.vision.recognize import Gallery

__all__ = ["BatchReport", "run_batch"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchReport:
    """What a batch did: its units (and how many an earlier run had finished), faces found, and every file."""

    units: int
    resumed_units: int
    faces: int
    files: list[FileSummary]

    @property
    def failed(self) -> list[FileSummary]:
        """The files that failed or lost frames."""
        return [f for f in self.files if f.status in ("failed", "partial")]


def _write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    partial = path.with_name(f".{path.name}.tmp")
    write(partial)
    os.replace(partial, path)


def _write_plan(out: Path, options: BatchOptions, units: list[Unit]) -> None:
    plan = {"options": asdict(options), "units": [asdict(u) for u in units]}
    _write_atomically(out / "plan.json", lambda p: p.write_text(json.dumps(plan, indent=1)))


def _by_file(units: list[Unit]) -> dict[str, list[Unit]]:
    grouped: dict[str, list[Unit]] = {}
    for unit in units:
        grouped.setdefault(unit.path, []).append(unit)
    return grouped


def _merge(
    out: Path,
    files: list[MediaFile],
    units: list[Unit],
    unopened: dict[str, str],
    options: BatchOptions,
    gallery: Gallery | None,
) -> tuple[int, list[FileSummary]]:
    """Write faces.parquet (a file at a time: memory follows the largest file, not the batch), files.parquet
    and errors.csv from the parts; returns (faces, file summaries)."""
    grouped = _by_file(units)
    faces, summaries = 0, []
    partial = out / ".faces.parquet.tmp"
    with pq.ParquetWriter(partial, faces_table([], []).schema) as writer:
        for file in files:
            if file.kind == "skipped" or file.path in unopened:
                status, error = ("skipped", file.reason) if file.kind == "skipped" else ("failed", unopened[file.path])
                summaries.append(FileSummary(file.path, file.kind, 0, 0, None, status, error))
                continue
            file_units = grouped[file.path]
            results = [read_part(out / "parts", u.unit_id) for u in file_units]
            rows = list(file_rows(file_units[0], results, options.smoothing, options.refresh_every, gallery))
            summaries.append(summarise(file_units[0], results, rows))
            writer.write_table(faces_table([file.path] * len(rows), rows))
            faces += len(rows)
    os.replace(partial, out / "faces.parquet")
    _write_atomically(out / "files.parquet", lambda p: pq.write_table(summary_table(summaries), p))
    _write_atomically(out / "errors.csv", lambda p: _write_errors(p, summaries))
    return faces, summaries


def _write_errors(path: Path, summaries: list[FileSummary]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "status", "error"])
        writer.writerows([s.file, s.status, s.error] for s in summaries if s.status in ("failed", "partial"))


def run_batch(
    inputs: Iterable[str | os.PathLike[str]],
    out: Path,
    options: BatchOptions,
    runner: Runner,
    gallery: Gallery | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BatchReport:
    """Analyse every image and video in ``inputs`` into ``out``, skipping units an earlier run finished.

    ``progress(frames_done, frames_total)`` is called once at the start (with the finished units' frames)
    and after each unit. SourceError when no input holds an image or a video.
    """
    files = find_media(inputs)
    if not any(f.kind != "skipped" for f in files):
        raise SourceError("no image or video among the inputs; give image or video files or folders holding them")
    units, unopened = plan_units(files, options, options.fingerprint(gallery))
    out.mkdir(parents=True, exist_ok=True)
    _write_plan(out, options, units)
    finished = finished_ids(out / "parts")
    todo = [u for u in units if u.unit_id not in finished]
    total = sum(u.expected_frames for u in units)
    done = total - sum(u.expected_frames for u in todo)
    if progress:
        progress(done, total)
    log.info(
        "%d units, %d finished earlier, %d to run on %d workers",
        len(units),
        len(units) - len(todo),
        len(todo),
        runner.workers,
    )
    expected = {u.unit_id: u.expected_frames for u in todo}
    for result in runner.run(todo):
        write_part(out / "parts", result)
        done += expected[result.unit_id]
        if progress:
            progress(done, total)
    faces, summaries = _merge(out, files, units, unopened, options, gallery)
    return BatchReport(len(units), len(units) - len(todo), faces, summaries)
