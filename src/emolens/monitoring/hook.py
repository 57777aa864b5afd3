"""The drift hook: a command or a local URL told of every drift event, so a deployment can page someone,
open a ticket or start a retraining job.

A command runs without a shell (its words split as a shell would, no expansion), the event's JSON on its
stdin, killed after ``timeout_s``; a URL (http or https, on 127.0.0.1, localhost or ::1 only: nothing leaves the
machine) gets the JSON POSTed. Each call runs in a thread of its own, so frames never wait for it; a failure is
logged, never raised.
"""

from __future__ import annotations

import json
import logging
import shlex
import shutil
import subprocess
import threading
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from emolens.errors import ConfigError

__all__ = ["LOCAL_HOSTS", "DriftHook"]

log = logging.getLogger(__name__)
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
HOOK_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class DriftHook:
    """A parsed hook: ``argv`` for a command, or ``url`` for a local URL."""

    argv: tuple[str, ...] = ()
    url: str | None = None
    timeout_s: float = HOOK_TIMEOUT_S

    @classmethod
    def parse(cls, value: str, timeout_s: float = HOOK_TIMEOUT_S) -> DriftHook:
        """A hook from ``--drift-hook`` / EMOLENS_DRIFT_HOOK; ConfigError for a remote URL or a missing command."""
        text = value.strip()
        if "://" in text:
            return cls(url=_local_url(text), timeout_s=timeout_s)
        try:
            argv = tuple(shlex.split(text))
        except ValueError as exc:
            raise ConfigError(f"the drift hook {text[:80]!r} is not a command line: {exc}") from None
        if not argv:
            raise ConfigError("the drift hook is empty: give a command or an http://127.0.0.1 URL")
        if shutil.which(argv[0]) is None:
            raise ConfigError(f"the drift hook's command {argv[0]!r} was not found: give its path or install it")
        return cls(argv=argv, timeout_s=timeout_s)

    def call(self, event: dict[str, Any]) -> threading.Thread:
        """Send ``event`` in a background thread (returned, for those who want to wait)."""
        body = json.dumps(event).encode()
        thread = threading.Thread(target=self._send, args=(body,), name="emolens-drift-hook", daemon=True)
        thread.start()
        return thread

    def _send(self, body: bytes) -> None:
        try:
            if self.url is not None:
                request = urllib.request.Request(self.url, body, {"Content-Type": "application/json"}, method="POST")
                with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                    response.read()
                return
            done = subprocess.run(self.argv, input=body, capture_output=True, timeout=self.timeout_s, check=False)
            if done.returncode != 0:
                log.warning("the drift hook %s exited with %d: %s", self.argv[0], done.returncode, done.stderr[-300:])
        except (OSError, subprocess.SubprocessError, ValueError) as exc:
            log.warning("the drift hook %s failed: %s", self.url or self.argv[0], exc)


def _local_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise ConfigError(f"the drift hook URL {text[:80]!r} must start with http:// or https://")
    if parts.hostname not in LOCAL_HOSTS:
        raise ConfigError(
            f"the drift hook URL {text[:80]!r} is not on this machine: only 127.0.0.1, localhost or [::1] are "
            "allowed (nothing leaves the machine); forward from a local listener if events must go further"
        )
    return text
