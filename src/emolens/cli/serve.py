"""`emolens serve`: the web app (live webcam, uploads, analytics, advice, settings, JSON API)."""

from __future__ import annotations

import logging
import os
from typing import Any

import click

from emolens.cli.options import db_option

__all__ = ["command"]

log = logging.getLogger(__name__)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on (0.0.0.0: every one).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@db_option
@click.option("--api-token", envvar="EMOLENS_API_TOKEN", help="Require this token (Bearer header) on every request.")
@click.option("--workers", type=click.IntRange(min=1), help="Analyzers in parallel (default: CPU cores, at most 4).")
@click.option("--camera", help="Server-side camera index or video file for /video_feed, /emotion, /save_current.")
@click.option("--model", type=click.Path(dir_okay=False), help="An .onnx emotion model with its .json card.")
def command(
    host: str,
    port: int,
    db: str | None,
    api_token: str | None,
    workers: int | None,
    camera: str | None,
    model: str | None,
) -> None:
    """Start the web app; open http://HOST:PORT/ in a browser."""
    import uvicorn

    from emolens.storage import resolve_db_url
    from emolens.web import WebSettings, create_app

    options: dict[str, Any] = {"workers": workers} if workers else {}
    try:
        settings = WebSettings(db_url=resolve_db_url(db), api_token=api_token, camera=camera, model=model, **options)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    if host not in ("127.0.0.1", "localhost", "::1") and not api_token:
        click.echo("warning: serving beyond this machine without --api-token: anyone reaching it can use it", err=True)
    click.echo(f"emolens: http://{host}:{port}/  (API docs: /docs, records: {settings.db_url.split('@')[-1]})")
    uvicorn.run(create_app(settings), host=host, port=port, log_level=os.environ.get("EMOLENS_LOG_LEVEL", "warning"))
