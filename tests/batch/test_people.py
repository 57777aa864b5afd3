"""Enrolled people in a batch: named per track as in a single stream pass, however the video is split."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from emolens.batch import BatchOptions, LocalRunner, run_batch
from emolens.session.rows import ObservationRow
from emolens.vision.io import VideoSource
from emolens.vision.pipeline import Analyzer
from emolens.vision.recognize import Gallery


def test_people_in_a_split_video_are_those_of_one_stream_pass(
    media: Path, tmp_path: Path, astronaut_bgr: np.ndarray
) -> None:
    analyzer = Analyzer()
    gallery = Gallery([("Eileen", analyzer.embed_one(astronaut_bgr))])
    analyzer.gallery = gallery
    tracker = analyzer.new_tracker()
    expected = []
    for frame in VideoSource(media / "faces.avi", every=3):
        expected += [r.to_dict() for r in ObservationRow.of_frame(analyzer.analyze_frame(frame, tracker))]
    options = BatchOptions(sample_fps=10 / 3, unit_frames=4)
    report = run_batch([media / "faces.avi"], tmp_path, options, LocalRunner(options, gallery), gallery)
    rows = pq.read_table(tmp_path / "faces.parquet").drop(["file"]).to_pylist()
    assert report.units == 4
    assert rows == expected
    assert {(r["track_id"], r["person"]) for r in rows} == {(1, "Eileen"), (2, None)}
