"""`emolens drift`: test new faces (a folder, a video or stored observations) against a model's reference
profile; exit code 3 when a retraining threshold is crossed, so it fits a cron job or CI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from emolens.cli.options import db_option
from emolens.errors import SourceError

if TYPE_CHECKING:
    from emolens.monitoring import Measurements

__all__ = ["command"]

RETRAIN_EXIT = 3


def _when(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not an ISO date or time (2026-05-01T09:00)", param_hint=name) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _stored(
    db: str | None, since: str | None, until: str | None, session: str | None, source: str | None, labels: list[str]
) -> Measurements:
    from emolens.config import load_settings
    from emolens.monitoring.sources import measure_observations
    from emolens.storage import ObservationFilter, Store

    store = Store(load_settings(db=db).db_url())
    try:
        filters = ObservationFilter(
            session_id=session, source=source, since=_when(since, "--since"), until=_when(until, "--until")
        )
        rows = store.query_observations(filters)
    finally:
        store.close()
    if not rows:
        raise SourceError(
            "no stored observations match --since/--until/--session/--source in that database; widen the filters"
        )
    return measure_observations([r.emotion for r in rows], [r.confidence for r in rows], [r.bbox for r in rows], labels)


@click.command("drift")
@click.argument("source", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--profile", "profile_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Reference profile (default: the one beside --model, else the shipped model's).")  # fmt: skip
@click.option("--model", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The .onnx model that measures the faces (default: the shipped model).")  # fmt: skip
@db_option
@click.option("--stored", is_flag=True, help="Test stored observations instead of SOURCE (predictions and box sizes).")
@click.option("--since", help="Stored observations from this ISO time (UTC unless it says otherwise).")
@click.option("--until", help="Stored observations up to this ISO time.")
@click.option("--session", help="Stored observations of one session id.")
@click.option("--source", "source_kind", help="Stored observations of one source kind (image, video, webcam...).")
@click.option("--every", type=click.IntRange(min=1), default=5, show_default=True, help="Video: one frame in N.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many images or video frames.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Report folder (default: drift-report).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--save-profile", type=click.Path(dir_okay=False, path_type=Path),
              help="Write SOURCE's faces as a new reference profile here instead of testing them (e.g. whole "
              "frames of the deployed camera, which also gives face sizes a reference).")  # fmt: skip
def command(
    source: Path | None, profile_file: Path | None, model: Path | None, db: str | None, stored: bool,
    since: str | None, until: str | None, session: str | None, source_kind: str | None, every: int,
    limit: int | None, out: Path | None, as_json: bool, save_profile: Path | None,
) -> None:  # fmt: skip
    """Compare SOURCE (a folder of images or 48x48 crops, or a video) or stored observations (--stored, with
    --db --since --until --session --source) against a reference profile. Exit 0 ok or warn, 3 drift."""
    from emolens.monitoring import Profile, compare, profile_path
    from emolens.monitoring.report import write_drift_report

    uses_store = stored or any(v is not None for v in (db, since, until, session, source_kind))
    if (source is not None) == uses_store:
        raise click.UsageError("give either SOURCE (a folder or a video) or --stored with its --db filters, not both")
    if save_profile is not None:
        if source is None:
            raise click.UsageError("--save-profile needs SOURCE: stored observations keep no faces to profile")
        click.echo(_save_profile(_measure(source, model, every, limit), model, save_profile, str(source)))
        return
    profile = Profile.load(profile_file or profile_path(model))
    if uses_store:
        measured = _stored(db, since, until, session, source_kind, profile.labels)
        what = "stored observations"
    else:
        assert source is not None
        measured = _measure(source, model, every, limit)
        what = str(source)
    drift = compare(profile, measured)
    folder = out or Path("drift-report")
    markdown = write_drift_report(folder, drift, profile, measured, what)
    if as_json:
        click.echo(json.dumps({**drift.to_dict(), "report": str(markdown)}, indent=2))
    else:
        for r in drift.results:
            click.echo(f"{r.level:5}  {r.feature:16} {r.effect_name} {r.effect:.3f}  p {r.p_value:.2g}")
        click.echo(f"verdict: {drift.verdict}{' (retrain)' if drift.retrain else ''}; report: {markdown}")
    if drift.retrain:
        raise SystemExit(RETRAIN_EXIT)


def _save_profile(measured: Measurements, model: Path | None, path: Path, source: str) -> Path:
    from emolens.monitoring import build_profile
    from emolens.vision.classify import ModelCard, default_model_path

    card = ModelCard.load((model or default_model_path()).with_suffix(".json"))
    labels = [e.value for e in card.labels]
    return build_profile(measured, labels, card.name, card.version, source).save(path)


def _measure(source: Path, model: Path | None, every: int, limit: int | None) -> Measurements:
    from emolens.monitoring import FeatureReader
    from emolens.monitoring.sources import Measurer
    from emolens.vision.detect import make_detector
    from emolens.vision.io import VIDEO_SUFFIXES

    measurer = Measurer(FeatureReader(model), make_detector("mediapipe"))
    if source.is_dir():
        return measurer.folder(source, limit)
    if source.suffix.lower() in VIDEO_SUFFIXES:
        return measurer.video(source, every, limit)
    suffixes = ", ".join(sorted(VIDEO_SUFFIXES))
    raise click.BadParameter(f"{source} is neither a folder of images nor a video ({suffixes})", param_hint="SOURCE")
