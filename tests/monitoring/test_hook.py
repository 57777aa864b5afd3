"""The drift hook: a command gets the event on stdin, a local URL gets it POSTed, anything remote is refused at
start, and a failing hook is logged without stopping anything."""

from __future__ import annotations

import json
import logging
import shlex
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from emolens.cli.main import cli
from emolens.config import load_settings
from emolens.errors import ConfigError
from emolens.monitoring.hook import DriftHook

EVENT = {"type": "drift", "id": 7, "verdict": "drift", "features": [{"feature": "brightness", "effect": 1.9}]}


def test_a_command_gets_the_event_on_stdin(tmp_path: Path) -> None:
    out = tmp_path / "event.json"
    script = f"import sys, pathlib; pathlib.Path({str(out)!r}).write_text(sys.stdin.read())"
    hook = DriftHook.parse(shlex.join([sys.executable, "-c", script]))
    hook.call(EVENT).join(30)
    assert json.loads(out.read_text()) == EVENT


def test_a_local_url_gets_the_event_posted() -> None:
    received: list[dict[str, object]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.handle_request, daemon=True).start()
    try:
        DriftHook.parse(f"http://127.0.0.1:{server.server_port}/drift").call(EVENT).join(30)
    finally:
        server.server_close()
    assert received == [EVENT]


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("http://example.com/hook", "not on this machine"),
        ("https://10.0.0.5/hook", "not on this machine"),
        ("ftp://127.0.0.1/hook", "must start with http"),
        ("no-such-command-xyz --flag", "was not found"),
        ("   ", "is empty"),
        ("notify 'unclosed", "not a command line"),
    ],
)
def test_hooks_that_would_leave_the_machine_or_cannot_run_are_refused(value: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        DriftHook.parse(value)


def test_settings_and_serve_refuse_a_remote_hook(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"--drift-hook: .*not on this machine"):
        load_settings(drift_hook="http://example.com/hook")
    monkeypatch.setenv("EMOLENS_DRIFT_HOOK", "http://example.com/hook")
    with pytest.raises(ConfigError, match=r"EMOLENS_DRIFT_HOOK: .*nothing leaves the machine"):
        load_settings()
    monkeypatch.setenv("EMOLENS_DRIFT_HOOK", "http://localhost:9/hook")
    monkeypatch.setenv("EMOLENS_DRIFT_PROFILE", str(tmp_path / "missing.json"))
    with pytest.raises(ConfigError, match="EMOLENS_DRIFT_PROFILE: no such file"):
        load_settings()
    monkeypatch.delenv("EMOLENS_DRIFT_PROFILE")
    options = load_settings().watch_options()
    assert options is not None and options.hook == DriftHook(url="http://localhost:9/hook")
    assert (options.window, options.check_every, options.every) == (300, 100, 2)
    monkeypatch.setenv("EMOLENS_DRIFT_MONITORING", "false")
    assert load_settings().watch_options() is None
    result = CliRunner().invoke(cli, ["serve", "--drift-hook", "http://example.com/x", "--db", str(tmp_path / "d.db")])
    assert result.exit_code == 2 and "not on this machine" in result.output


def test_a_failing_hook_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    hook = DriftHook.parse(shlex.join([sys.executable, "-c", "import sys; sys.exit('no pager today')"]))
    with caplog.at_level(logging.WARNING, logger="emolens.monitoring.hook"):
        hook.call(EVENT).join(30)
        DriftHook.parse("http://127.0.0.1:9/closed", timeout_s=2).call(EVENT).join(30)
    assert "exited with 1" in caplog.text and "no pager today" in caplog.text
    assert "http://127.0.0.1:9/closed failed" in caplog.text
