"""The journal of a batch: one Parquet part file per finished unit, written atomically.

A part exists only once complete (written to a temporary name, then renamed), so a killed run leaves no
half-written part, and a rerun treats every part present as finished work, except those of units that failed
(``<id>.failed.parquet``): a rerun tries them again, in case the file was fixed or the failure was passing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow.parquet as pq

from emolens.batch.work import UnitResult

__all__ = ["finished_ids", "part_path", "read_part", "write_part"]

_KEY = b"emolens.unit"


_FAILED = ".failed"


def part_path(folder: Path, unit_id: str, failed: bool = False) -> Path:
    return folder / f"{unit_id}{_FAILED if failed else ''}.parquet"


def write_part(folder: Path, result: UnitResult) -> Path:
    """Write ``result`` as its unit's part: complete or not at all."""
    about = {
        "frames": result.frames,
        "error": result.error,
        "labels": result.labels,
        "model": result.model,
        "model_version": result.model_version,
    }
    table = result.faces.replace_schema_metadata({_KEY: json.dumps(about).encode()})
    folder.mkdir(parents=True, exist_ok=True)
    final = part_path(folder, result.unit_id, failed=result.error is not None)
    partial = final.with_name(f".{final.name}.{os.getpid()}.tmp")
    pq.write_table(table, partial)
    os.replace(partial, final)
    if result.error is None:
        part_path(folder, result.unit_id, failed=True).unlink(missing_ok=True)
    return final


def read_part(folder: Path, unit_id: str) -> UnitResult:
    """The result stored in a unit's part (its failed part when it never succeeded)."""
    path = part_path(folder, unit_id)
    table = pq.read_table(path if path.exists() else part_path(folder, unit_id, failed=True))
    about = json.loads((table.schema.metadata or {})[_KEY])
    return UnitResult(unit_id, table.replace_schema_metadata(None), **about)


def finished_ids(folder: Path) -> set[str]:
    """The ids of the units whose parts are in ``folder`` (not counting failed ones)."""
    names = (p.name.removesuffix(".parquet") for p in folder.glob("*.parquet")) if folder.is_dir() else ()
    return {name for name in names if not name.endswith(_FAILED)}
