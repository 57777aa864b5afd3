"""`emolens batch` end to end: real media, real processes, a real Ray head; 1 worker, 2 workers and Ray agree."""

from __future__ import annotations

import csv
import os
import signal
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.batch.conftest import run_batch_cli, start_batch_cli

from emolens.session.rows import COLUMNS, ObservationRow
from emolens.vision.io import VideoSource

EXIT_SOME_FAILED = 3


@pytest.fixture(scope="module")
def one_worker(media: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference: the batch run by one worker (this process)."""
    out = tmp_path_factory.mktemp("one")
    done = run_batch_cli(media, out, "--workers", "1")
    assert done.returncode == EXIT_SOME_FAILED, done.stderr
    assert "0 finished earlier" in done.stderr
    return out


def _table(out: Path, name: str) -> pa.Table:
    return pq.read_table(out / name)


def _files(out: Path) -> dict[str, dict]:
    return {Path(r["file"]).name: r for r in _table(out, "files.parquet").to_pylist()}


def test_each_file_gets_a_status_and_failures_do_not_stop_the_run(one_worker: Path) -> None:
    files = _files(one_worker)
    assert {name: (f["kind"], f["status"], f["frames"], f["faces"]) for name, f in files.items()} == {
        "astronaut.jpg": ("image", "ok", 1, 1),
        "hopper.png": ("image", "ok", 1, 1),
        "faces.avi": ("video", "ok", 40, 80),
        "cut.avi": ("video", "partial", 25, 50),
        "empty.mp4": ("video", "failed", 0, 0),
        "notes.txt": ("skipped", "skipped", 0, 0),
    }
    assert files["astronaut.jpg"]["dominant_emotion"] == "happy"
    assert "truncated" in files["cut.avi"]["error"]
    assert "empty (0 bytes)" in files["empty.mp4"]["error"]
    assert "not an image or video" in files["notes.txt"]["error"]
    with (one_worker / "errors.csv").open() as handle:
        errors = [(Path(r["file"]).name, r["status"]) for r in csv.DictReader(handle)]
    assert errors == [("empty.mp4", "failed"), ("cut.avi", "partial")]


def test_rows_share_the_export_columns_and_track_both_faces(one_worker: Path) -> None:
    faces = _table(one_worker, "faces.parquet")
    assert faces.column_names == ["file", *COLUMNS]
    video = [r for r in faces.to_pylist() if r["file"].endswith("faces.avi")]
    assert [r["frame"] for r in video[:4]] == [0, 0, 1, 1]
    assert {r["track_id"] for r in video} == {1, 2}
    assert video[2]["time_s"] == pytest.approx(0.1)


def test_video_rows_are_those_of_a_single_stream_run(one_worker: Path, media: Path, analyzer) -> None:
    """Units of 8 frames, tracked in the final pass, give exactly the rows of one pass over the whole video."""
    tracker = analyzer.new_tracker()
    expected = []
    for frame in VideoSource(media / "faces.avi"):
        expected += [r.to_dict() for r in ObservationRow.of_frame(analyzer.analyze_frame(frame, tracker))]
    faces = _table(one_worker, "faces.parquet").to_pylist()
    got = [{k: v for k, v in r.items() if k != "file"} for r in faces if r["file"].endswith("faces.avi")]
    assert got == expected


def test_two_local_workers_give_the_same_result(one_worker: Path, media: Path, tmp_path: Path) -> None:
    done = run_batch_cli(media, tmp_path, "--workers", "2")
    assert done.returncode == EXIT_SOME_FAILED, done.stderr
    assert _table(tmp_path, "faces.parquet").equals(_table(one_worker, "faces.parquet"))
    assert _table(tmp_path, "files.parquet").equals(_table(one_worker, "files.parquet"))


def test_a_ray_cluster_gives_the_same_result(one_worker: Path, media: Path, tmp_path: Path, ray_head: str) -> None:
    done = run_batch_cli(media, tmp_path, "--ray", ray_head, "--workers", "2")
    assert done.returncode == EXIT_SOME_FAILED, done.stderr
    assert _table(tmp_path, "faces.parquet").equals(_table(one_worker, "faces.parquet"))
    assert _table(tmp_path, "files.parquet").equals(_table(one_worker, "files.parquet"))


def test_a_killed_run_resumes_where_it_stopped(one_worker: Path, media: Path, tmp_path: Path) -> None:
    """SIGKILL after a few units; the rerun skips them and ends with the uninterrupted run's result."""
    parts = tmp_path / "parts"
    running = start_batch_cli(media, tmp_path, "--workers", "1", "--unit-frames", "2")
    deadline = time.monotonic() + 120
    while len(list(parts.glob("*.parquet"))) < 3:
        assert running.poll() is None and time.monotonic() < deadline, "the batch ended before it could be killed"
        time.sleep(0.005)
    os.killpg(running.pid, signal.SIGKILL)
    running.wait()
    killed_with = len(list(parts.glob("*.parquet")))
    assert not (tmp_path / "faces.parquet").exists()
    done = run_batch_cli(media, tmp_path, "--workers", "1", "--unit-frames", "2")
    assert done.returncode == EXIT_SOME_FAILED, done.stderr
    assert f"({killed_with} finished earlier)" in done.stderr
    assert killed_with < 38  # 2 images + 20 units of faces.avi + 20 of cut.avi (of its declared 40 frames)
    assert _table(tmp_path, "faces.parquet").equals(_table(one_worker, "faces.parquet"))
    assert _table(tmp_path, "files.parquet").equals(_table(one_worker, "files.parquet"))


def test_a_rerun_of_a_finished_batch_analyses_nothing(one_worker: Path, media: Path) -> None:
    done = run_batch_cli(media, one_worker, "--workers", "1")
    assert done.returncode == EXIT_SOME_FAILED, done.stderr
    assert "12 units (12 finished earlier)" in done.stderr


def test_a_batch_without_failures_exits_0(media: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from emolens.cli.main import cli

    done = CliRunner().invoke(cli, ["batch", str(media / "astronaut.jpg"), "--out", str(tmp_path), "--workers", "1"])
    assert done.exit_code == 0, done.output
    assert [r["status"] for r in _table(tmp_path, "files.parquet").to_pylist()] == ["ok"]
    assert (tmp_path / "errors.csv").read_text().splitlines() == ["file,status,error"]
