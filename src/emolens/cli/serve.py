"""`emolens serve`: the web app (live webcam, uploads, analytics, advice, settings, JSON API)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import click

from emolens.cli.options import db_option

if TYPE_CHECKING:
    from emolens.config import LogLevel
    from emolens.web import WebSettings

__all__ = ["command"]

log = logging.getLogger(__name__)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on (0.0.0.0: every one).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@db_option
@click.option("--api-token", help="Require this token (Bearer header) on every request; env EMOLENS_API_TOKEN.")
@click.option("--workers", type=click.IntRange(min=1), help="Analyzers in parallel (default: CPU cores, at most 4).")
@click.option("--camera", help="Server-side camera index or video file for /video_feed, /emotion, /save_current.")
@click.option("--model", type=click.Path(dir_okay=False), help="An .onnx emotion model with its .json card.")
@click.option(
    "--allowed-host",
    "allowed_host",
    multiple=True,
    help="Also answer requests that name this host (repeatable; '*': any); env EMOLENS_ALLOWED_HOSTS=a,b. "
    "The bound address (127.0.0.1, localhost, ::1 for loopback) is always allowed.",
)
@click.option(
    "--drift-hook",
    help="A command (event JSON on stdin) or an http://127.0.0.1 URL (event JSON POSTed) run on each drift "
    "event of the live sessions and the kiosk; env EMOLENS_DRIFT_HOOK.",
)
def command(
    host: str,
    port: int,
    db: str | None,
    api_token: str | None,
    workers: int | None,
    camera: str | None,
    model: str | None,
    allowed_host: tuple[str, ...],
    drift_hook: str | None,
) -> None:
    """Start the web app; open http://HOST:PORT/ in a browser."""
    from emolens.config import load_settings
    from emolens.storage import Store
    from emolens.web import WebSettings
    from emolens.web.security import LOOPBACK_HOSTS, bound_hosts

    options: dict[str, Any] = {"workers": workers} if workers else {}
    deployment = load_settings(db=db, api_token=api_token, drift_hook=drift_hook)
    try:
        settings = WebSettings(
            db_url=deployment.db_url(),
            api_token=deployment.token(),
            camera=camera,
            model=model,
            allowed_hosts=bound_hosts(host, [*allowed_host, *deployment.allowed_hosts]),
            data_folder=deployment.data_dir,
            heartbeat_s=deployment.heartbeat_s,
            monitoring=deployment.watch_options(),
            **options,
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    Store(settings.db_url).close()  # an unreachable or damaged database is a one-line error, not a traceback
    if host not in LOOPBACK_HOSTS and not settings.api_token:
        click.echo("warning: serving beyond this machine without --api-token: anyone reaching it can use it", err=True)
    if host not in LOOPBACK_HOSTS:
        names = ", ".join(settings.allowed_hosts)
        click.echo(f"requests must name one of: {names}; add the names clients use with --allowed-host", err=True)
    click.echo(f"emolens: http://{host}:{port}/  (API docs: /docs, records: {settings.db_url.split('@')[-1]})")
    _run(settings, host, port, deployment.log_level)


def _run(settings: WebSettings, host: str, port: int, level: LogLevel) -> None:
    """Serve with uvicorn; its access and WebSocket log lines never show an API token given as ``?token=``."""
    import uvicorn

    from emolens.web import create_app
    from emolens.web.security import RedactTokenFilter

    config = uvicorn.Config(create_app(settings), host=host, port=port, log_level=level)  # configures logging
    for name in ("uvicorn.access", "uvicorn.error"):
        logging.getLogger(name).addFilter(RedactTokenFilter())
    uvicorn.Server(config).run()
