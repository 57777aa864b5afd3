"""Batch analysis of many images and videos into one Parquet result, on local processes or a Ray cluster.

Work is split into units (an image, or a frame range of a video) that workers analyse independently; each
finished unit is written as its own Parquet part, so a rerun skips finished work, and a final pass merges
the parts, tracking faces through each video in frame order so the result is the same on any number of
workers.

>>> report = run_batch(["interviews/"], Path("out"), BatchOptions())   # doctest: +SKIP
"""

from __future__ import annotations

from emolens.batch.inputs import MediaFile, find_media
from emolens.batch.plan import BatchOptions, Unit, plan_units
from emolens.batch.run import BatchReport, run_batch
from emolens.batch.runners import LocalRunner, RayRunner, Runner

__all__ = [
    "BatchOptions",
    "BatchReport",
    "LocalRunner",
    "MediaFile",
    "RayRunner",
    "Runner",
    "Unit",
    "find_media",
    "plan_units",
    "run_batch",
]
