"""`emolens live`: the desktop live viewer (window, statistics, keys), stored as a "desktop" session."""

from __future__ import annotations

import signal
from pathlib import Path
from types import FrameType

import click

from emolens.cli.options import analyzer_options, attach_people, build_analyzer, people_options, smoothing_option

__all__ = ["command"]


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # a terminated session still stores its observations and writes its summary


def _weights(text: str | None) -> dict[str, float] | None:
    if not text:
        return None
    from emolens.analytics import parse_weights

    try:
        return parse_weights(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--weights") from exc


@click.command("live")
@click.option("--source", default="0", show_default=True, help="Camera index, video file or RTSP/HTTP URL.")
@click.option(
    "--scenario",
    default="Online Class",
    show_default=True,
    help="Interview, Exam, Public Speaking, Online Class, Meeting, or a name of your own.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default="emolens-live",
    show_default=True,
    help="Folder for each session's summary, screenshots and CSV exports.",
)
@click.option("--no-window", is_flag=True, help="No window (for machines without a display): run to the end or Ctrl+C.")
@click.option("--fast", is_flag=True, help="Play a video file as fast as analysis allows instead of at its frame rate.")
@click.option(
    "--save-faces",
    type=click.Path(file_okay=False, path_type=Path),
    help="Save face crops into this folder, in FOLDER/<session id>/<emotion>/ (default: off, unless turned on "
    "in the web app's settings, then the data folder's face_crops, which the web app's deletions clear).",
)
@click.option(
    "--save-every",
    type=click.IntRange(min=1),
    help="Save face crops of one frame in N (default: the web app's setting, else 25).",
)
@smoothing_option
@click.option(
    "--weights",
    help="Confidence-score weights, e.g. happy=2,neutral=2,sad=-1,angry=-2 (others -2); "
    "default: the web app's saved weights.",
)
@click.option(
    "--drift-hook",
    help="A command (event JSON on stdin) or an http://127.0.0.1 URL (event JSON POSTed) run on each drift "
    "event; env EMOLENS_DRIFT_HOOK.",
)
@analyzer_options
@people_options
def command(
    source: str,
    scenario: str,
    out_dir: Path,
    no_window: bool,
    fast: bool,
    save_faces: Path | None,
    save_every: int | None,
    smoothing: float,
    weights: str | None,
    model: str | None,
    detector: str,
    min_face_score: float,
    db: str | None,
    people: bool,
    drift_hook: str | None,
) -> None:
    """Watch SOURCE live: face boxes, emotions, statistics, a 10 s trend and FPS, stored for the web app.

    Keys: q quit and save, s screenshot, e export CSV, r reset statistics, SPACE pause and resume.
    """
    from emolens.config import load_settings
    from emolens.desktop import LiveOptions, run_live

    options = LiveOptions(
        scenario=scenario,
        out_dir=out_dir,
        window=not no_window,
        realtime=not fast,
        save_faces=save_faces,
        save_every=save_every,
        weights=_weights(weights),
    )
    settings = load_settings(db=db, drift_hook=drift_hook)
    analyzer = build_analyzer(model, detector, min_face_score, smoothing=smoothing, small_faces="never")
    enrolled = attach_people(analyzer, db, people, missing_ok=True)
    if enrolled:
        click.echo(f"naming {enrolled} enrolled people", err=True)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        summary = run_live(
            source,
            options,
            db=settings.db,
            analyzer=analyzer,
            notify=lambda line: click.echo(line, err=True),
            data_folder=settings.data_dir,
            heartbeat_s=settings.heartbeat_s,
            monitoring=settings.watch_options(),
        )
    finally:
        signal.signal(signal.SIGTERM, previous)
    click.echo(summary.to_text())
