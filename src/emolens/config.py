"""Deployment settings: one typed object read from ``EMOLENS_*`` environment variables by the entry points.

Only the command line (``emolens ...``) builds it; library code takes explicit arguments. A flag given on the
command line overrides its variable:

>>> load_settings(db="sqlite:///records.db").db   # doctest: +SKIP
'sqlite:///records.db'
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from emolens.errors import ConfigError
from emolens.storage.owners import DEFAULT_HEARTBEAT_S
from emolens.storage.paths import data_dir, resolve_db_url

if TYPE_CHECKING:
    from emolens.monitoring.watch import WatchOptions

__all__ = ["ENV_PREFIX", "LogLevel", "Settings", "load_settings"]

ENV_PREFIX = "EMOLENS_"
MIN_TOKEN_CHARS = 16
LogLevel = Literal["critical", "error", "warning", "info", "debug", "trace"]


class Settings(BaseSettings):
    """What a deployment sets through ``EMOLENS_<NAME>``; an empty variable counts as unset.

    ``data_dir``: the data folder (default: the user's data directory); ``db``: a database URL or SQLite file
    (default: ``emolens.db`` in the data folder); ``api_token``: required on every web request when set;
    ``allowed_hosts``: more Host names the web app answers (comma-separated); ``heartbeat_s``: how often a
    server or viewer says it is alive; ``log_level``: the web server's log level; ``bench_dir``: the
    benchmark frames of ``emolens bench`` (default: the frames shipped in the package). Drift monitoring of
    the live sessions, the kiosk and the desktop viewer: ``drift_monitoring`` turns it on or off,
    ``drift_window`` faces are tested every ``drift_check_every`` new ones, one analysed frame in
    ``drift_every`` is measured, against
    ``drift_profile`` (default: the model's own profile), and ``drift_hook`` (a command, or an http URL on
    this machine) is told of each drift event.
    """

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_ignore_empty=True, extra="forbid", frozen=True)

    data_dir: Path = Field(default_factory=data_dir)
    db: str | None = None
    api_token: SecretStr | None = None
    allowed_hosts: Annotated[tuple[str, ...], NoDecode] = ()
    heartbeat_s: float = Field(default=DEFAULT_HEARTBEAT_S, ge=0.05, le=3600, allow_inf_nan=False)
    log_level: LogLevel = "warning"
    bench_dir: Path | None = None
    drift_monitoring: bool = True
    drift_window: int = Field(default=300, ge=20, le=100_000)
    drift_check_every: int = Field(default=100, ge=1, le=100_000)
    drift_every: int = Field(default=2, ge=1, le=1000)
    drift_hook: str | None = None
    drift_profile: Path | None = None

    @field_validator("data_dir", "bench_dir", "drift_profile", mode="after")
    @classmethod
    def _expand_user(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value else None

    @field_validator("api_token", mode="after")
    @classmethod
    def _long_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_TOKEN_CHARS:
            raise ValueError(f"needs at least {MIN_TOKEN_CHARS} characters; generate one with `python -m secrets`")
        return value

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list | tuple):
            return tuple(name.strip() for name in value if isinstance(name, str) and name.strip())
        return value

    @field_validator("drift_hook", mode="after")
    @classmethod
    def _usable_hook(cls, value: str | None) -> str | None:
        if value is not None:
            from emolens.monitoring.hook import DriftHook

            DriftHook.parse(value)  # a ConfigError is a ValueError: pydantic reports it under the variable's name
        return value

    @field_validator("drift_profile", mode="after")
    @classmethod
    def _existing_profile(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError("no such file: make one with `emolens drift clip.mp4 --save-profile FILE`")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _lower_level(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    def db_url(self) -> str:
        """The SQLAlchemy URL of ``db``, else of SQLite in the data folder."""
        return resolve_db_url(self.db, self.data_dir)

    def watch_options(self) -> WatchOptions | None:
        """The drift monitor's options (None when monitoring is off)."""
        if not self.drift_monitoring:
            return None
        from emolens.monitoring.hook import DriftHook
        from emolens.monitoring.watch import WatchOptions

        hook = DriftHook.parse(self.drift_hook) if self.drift_hook else None
        return WatchOptions(self.drift_window, self.drift_check_every, self.drift_every, hook, self.drift_profile)

    def token(self) -> str | None:
        """The API token in clear, for the web app; None when unset."""
        return self.api_token.get_secret_value() if self.api_token else None


def load_settings(**flags: Any) -> Settings:
    """The settings from the environment, with the command-line ``flags`` that were given (not None) on top.

    A bad value raises :class:`ConfigError` naming its variable and what it must be.
    """
    given = {name: value for name, value in flags.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        raise ConfigError("; ".join(_describe(error, given) for error in exc.errors())) from None


def _describe(error: Any, given: dict[str, Any]) -> str:
    """One validation error as 'EMOLENS_NAME: what is wrong (got value)'; a token's value is never shown."""
    name = str(error["loc"][0]) if error["loc"] else "settings"
    where = f"--{name.replace('_', '-')}" if name in given else f"{ENV_PREFIX}{name.upper()}"
    message = str(error["msg"]).removeprefix("Value error, ")
    if name == "api_token" or error["type"] == "extra_forbidden":
        return f"{where}: {message}"
    return f"{where}: {message} (got {error['input']!r})"
