"""The pieces of a batch without models: finding files, planning units, reading frame ranges, parts, Parquet rows."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from emolens.batch import BatchOptions, find_media, plan_units
from emolens.batch.parts import finished_ids, read_part, write_part
from emolens.batch.work import PART_SCHEMA, UnitResult
from emolens.errors import ConfigError, SourceError
from emolens.session.rows import COLUMNS, ObservationRow, csv_lines, write_parquet
from emolens.vision.io import VideoSource


def test_folders_are_walked_and_other_files_skipped_with_a_reason(media: Path) -> None:
    (media / ".hidden.jpg").write_bytes(b"")
    found = {Path(f.path).name: (f.kind, f.reason) for f in find_media([media])}
    assert sorted(found) == ["astronaut.jpg", "cut.avi", "empty.mp4", "faces.avi", "hopper.png", "notes.txt"]
    assert found["cut.avi"] == ("video", None)
    assert found["notes.txt"][0] == "skipped"
    assert "not an image or video by its name (.txt" in str(found["notes.txt"][1])
    with pytest.raises(SourceError, match="does not exist"):
        find_media([media / "nowhere"])


def test_a_video_is_split_into_frame_ranges_of_sampled_frames(media: Path) -> None:
    options = BatchOptions(sample_fps=4, unit_frames=8)  # 10 fps: one frame in 2 (round(2.5)), 16 frames a unit
    files = find_media([media / "faces.avi", media / "empty.mp4", media / "astronaut.jpg"])
    units, unopened = plan_units(files, options, options.fingerprint(None))
    assert [(Path(u.path).name, u.start, u.stop, u.every) for u in units] == [
        ("astronaut.jpg", 0, None, 1),
        ("faces.avi", 0, 16, 2),
        ("faces.avi", 16, 32, 2),
        ("faces.avi", 32, None, 2),
    ]
    assert [u.expected_frames for u in units] == [1, 8, 8, 4]
    assert [Path(p).name for p in unopened] == ["empty.mp4"]
    again, _ = plan_units(files, options, options.fingerprint(None))
    other = BatchOptions(sample_fps=4, unit_frames=8, min_face_score=0.6)
    changed, _ = plan_units(files, other, other.fingerprint(None))
    assert [u.unit_id for u in again] == [u.unit_id for u in units]
    assert not {u.unit_id for u in changed} & {u.unit_id for u in units}


def test_bad_options_are_refused() -> None:
    with pytest.raises(ConfigError, match="sample_fps must be > 0"):
        BatchOptions(sample_fps=0)
    with pytest.raises(ConfigError, match="unit_frames must be >= 1"):
        BatchOptions(unit_frames=0)


def _digests(source: VideoSource) -> list[tuple[int, str]]:
    return [(f.index, hashlib.sha256(f.image.tobytes()).hexdigest()) for f in source]


def test_a_frame_range_reads_the_frames_of_a_read_from_the_start(media: Path) -> None:
    whole = _digests(VideoSource(media / "faces.avi", every=3))
    ranges = [(0, 12), (12, 27), (27, None)]
    pieces = [d for start, stop in ranges for d in _digests(VideoSource(media / "faces.avi", 3, None, start, stop))]
    assert [i for i, _ in whole] == list(range(0, 40, 3))
    assert pieces == whole
    assert _digests(VideoSource(media / "sub" / "cut.avi", start=30)) == []  # past the end of a truncated file


def test_a_part_is_written_whole_and_read_back(tmp_path: Path) -> None:
    row = {"frame": 4, "time_s": 0.4, "x1": 1.0, "y1": 2.0, "x2": 30.0, "y2": 40.0, "score": 0.9}
    faces = pa.Table.from_pylist([{**row, "probabilities": [0.5, 0.5], "embedding": None, "person": None}], PART_SCHEMA)
    result = UnitResult("abc", faces, [4, 6], None, ["happy", "sad"], "m", "1")
    write_part(tmp_path, result)
    assert [p.name for p in tmp_path.iterdir()] == ["abc.parquet"]
    assert finished_ids(tmp_path) == {"abc"}
    back = read_part(tmp_path, "abc")
    assert (back.frames, back.labels, back.model, back.faces.to_pylist()) == (
        [4, 6],
        ["happy", "sad"],
        "m",
        faces.to_pylist(),
    )


def test_a_failed_unit_is_kept_but_tried_again(tmp_path: Path) -> None:
    failed = UnitResult("abc", PART_SCHEMA.empty_table(), [], "video file x.mp4 is empty (0 bytes)", [], "m", "1")
    write_part(tmp_path, failed)
    assert finished_ids(tmp_path) == set()
    assert read_part(tmp_path, "abc").error == "video file x.mp4 is empty (0 bytes)"
    write_part(tmp_path, UnitResult("abc", PART_SCHEMA.empty_table(), [0], None, [], "m", "1"))
    assert [p.name for p in tmp_path.iterdir()] == ["abc.parquet"]
    assert finished_ids(tmp_path) == {"abc"}


def test_parquet_rows_have_the_columns_and_values_of_the_csv(tmp_path: Path) -> None:
    rows = [
        ObservationRow("video", "happy", 0.91234, {"happy": 0.91234}, (1.0, 2.0, 3.0, 4.0), 2, frame=7, time_s=0.7),
        ObservationRow("video", "sad", 0.5, {"sad": 0.5}),
    ]
    assert write_parquet(tmp_path / "rows.parquet", rows) == 2
    table = pq.read_table(tmp_path / "rows.parquet")
    assert table.column_names == list(COLUMNS)
    assert str(table.schema.field("frame").type) == "int64"
    first = table.to_pylist()[0]
    assert first == rows[0].to_dict()
    csv_header = next(csv_lines([rows[0]]))
    assert csv_header.splitlines()[0].split(",") == table.column_names
