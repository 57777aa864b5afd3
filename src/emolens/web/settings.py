"""Typed settings of the web app; built once by the entry point (``emolens serve``), never at import."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from emolens.errors import ConfigError
from emolens.monitoring.watch import WatchOptions
from emolens.storage import DEFAULT_HEARTBEAT_S, data_dir
from emolens.web.security import LOOPBACK_HOSTS

__all__ = ["WebSettings"]


@dataclass(frozen=True)
class WebSettings:
    """What the app needs: where the records live, limits, the optional API token and the kiosk camera.

    ``workers`` analyzers run live frames in parallel (more: more concurrent live sessions, more memory);
    ``upload_workers`` more analyzers, of their own, run uploads, /api/analyze and enrolment, so live frames never
    wait behind them; ``max_request_mp`` caps the pixels of all images of one request (decoding time);
    ``allowed_hosts`` are the Host names requests may carry ("*": any; guards against DNS rebinding);
    ``camera`` is the server-side source for the kiosk endpoints (a camera index or a video file);
    ``heartbeat_s`` is how often the server tells others it is alive; six missed
    beats and any other server or viewer ends its open sessions; ``monitoring`` sets the drift monitor of
    the live sessions and the kiosk (window, checks, hook; None turns it off).
    """

    db_url: str
    api_token: str | None = None
    max_image_mb: float = 10.0
    max_video_mb: float = 200.0
    max_images: int = 20
    max_request_mp: float = 100.0
    workers: int = field(default_factory=lambda: max(1, min(4, os.cpu_count() or 1)))
    upload_workers: int = 1
    allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS
    camera: str | None = None
    data_folder: Path = field(default_factory=data_dir)
    detector: str = "mediapipe"
    model: str | None = None
    heartbeat_s: float = DEFAULT_HEARTBEAT_S
    monitoring: WatchOptions | None = field(default_factory=WatchOptions)

    def __post_init__(self) -> None:
        if self.max_image_mb <= 0 or self.max_video_mb <= 0:
            raise ConfigError(f"upload limits must be positive, got {self.max_image_mb} MB and {self.max_video_mb} MB")
        if self.workers < 1 or self.upload_workers < 1:
            raise ConfigError(f"workers and upload workers must be >= 1, got {self.workers} and {self.upload_workers}")
        if self.max_request_mp <= 0:
            raise ConfigError(f"the pixel budget per request must be positive, got {self.max_request_mp} MP")
        if not self.allowed_hosts:
            raise ConfigError('allowed_hosts is empty: name the hosts this server is reached by, or "*"')
        if not 0.05 <= self.heartbeat_s <= 3600:
            raise ConfigError(f"heartbeat_s must lie in [0.05, 3600] seconds, got {self.heartbeat_s}")
        if self.api_token is not None and len(self.api_token) < 16:
            raise ConfigError("an API token needs at least 16 characters; generate one with `python -m secrets`")
