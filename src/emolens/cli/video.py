"""`emolens video`: per-frame emotions of a video file, camera or stream."""

from __future__ import annotations

from pathlib import Path
from typing import IO

import click
import cv2
from tqdm import tqdm

from emolens.cli.options import analyzer_options, attach_people, build_analyzer, people_options, smoothing_option
from emolens.session import ObservationRow, csv_lines, jsonl_lines
from emolens.vision.annotate import annotate
from emolens.vision.io import VideoSource

__all__ = ["command"]


@click.command("video")
@click.argument("source")
@click.option("--out", type=click.Path(path_type=Path), help="Annotated video (.mp4 or .avi).")
@click.option("--csv", "csv_path", type=click.Path(path_type=Path), help="One row per face per frame, as CSV.")
@click.option("--jsonl", "jsonl_path", type=click.Path(path_type=Path), help="The same rows as JSON Lines.")
@click.option("--every", type=click.IntRange(min=1), default=1, show_default=True, help="Analyse one frame in N.")
@smoothing_option
@click.option("--small-faces", is_flag=True, help="Also scan tiles for faces under ~60 px (slower detection).")
@analyzer_options
@people_options
def command(
    source: str,
    out: Path | None,
    csv_path: Path | None,
    jsonl_path: Path | None,
    every: int,
    smoothing: float,
    small_faces: bool,
    model: str | None,
    detector: str,
    min_face_score: float,
    db: str | None,
    people: bool,
) -> None:
    """Analyse SOURCE: a video file, a camera index (0) or an RTSP/HTTP URL."""
    if csv_path and jsonl_path:
        raise click.UsageError("choose one of --csv and --jsonl")
    analyzer = build_analyzer(
        model, detector, min_face_score, smoothing=smoothing, small_faces="never", small_faces_in_streams=small_faces
    )
    attach_people(analyzer, db, people)
    video = VideoSource(source, every=every)
    total = (video.frame_count + every - 1) // every if video.frame_count else None
    writer, frames, faces = None, 0, 0
    jsonl: IO[str] | None = jsonl_path.open("w") if jsonl_path else None
    table: IO[str] | None = csv_path.open("w", newline="") if csv_path else None
    try:
        if table:
            table.writelines(csv_lines([]))
        tracker = analyzer.new_tracker()
        for frame in tqdm(video, total=total, unit="frame", disable=None):
            result = analyzer.analyze_frame(frame, tracker)
            frames += 1
            faces += len(result.predictions)
            rows = ObservationRow.of_frame(result)
            if table:
                table.writelines(csv_lines(rows, header=False))
            if jsonl:
                jsonl.writelines(jsonl_lines(rows))
            if out:
                image = annotate(frame.image, result.predictions)
                if writer is None:
                    fourcc = cv2.VideoWriter.fourcc(*("MJPG" if out.suffix.lower() == ".avi" else "mp4v"))
                    writer = cv2.VideoWriter(str(out), fourcc, video.fps / every, result.size_wh)
                    if not writer.isOpened():
                        raise click.ClickException(f"cannot write {out}: use a .mp4 or .avi name in a writable folder")
                writer.write(image)
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        for handle in (jsonl, table):
            if handle:
                handle.close()
        if writer is not None:
            writer.release()
    click.echo(f"{frames} frames analysed, {faces} face observations", err=True)
