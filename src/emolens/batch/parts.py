"""The journal of a batch: one Parquet part file per finished unit, written atomically.

A part exists only once complete (written to a temporary name, then renamed), so a killed run leaves no
half-written part, and a rerun treats every part present as finished work.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow.parquet as pq

from emolens.batch.work import UnitResult

__all__ = ["finished_ids", "part_path", "read_part", "write_part"]

_KEY = b"emolens.unit"


def part_path(folder: Path, unit_id: str) -> Path:
    return folder / f"{unit_id}.parquet"


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
    final = part_path(folder, result.unit_id)
    partial = final.with_name(f".{final.name}.{os.getpid()}.tmp")
    pq.write_table(table, partial)
    os.replace(partial, final)
    return final


def read_part(folder: Path, unit_id: str) -> UnitResult:
    """The result stored in a unit's part."""
    table = pq.read_table(part_path(folder, unit_id))
    about = json.loads((table.schema.metadata or {})[_KEY])
    return UnitResult(unit_id, table.replace_schema_metadata(None), **about)


def finished_ids(folder: Path) -> set[str]:
    """The ids of the units whose parts are in ``folder``."""
    return {p.name.removesuffix(".parquet") for p in folder.glob("*.parquet")} if folder.is_dir() else set()
