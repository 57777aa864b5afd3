"""Deployment settings: EMOLENS_* variables parsed into one typed object, bad values refused, flags on top."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import emolens
from emolens.cli.main import cli
from emolens.config import Settings, load_settings
from emolens.errors import ConfigError
from emolens.storage import Store

NAMES = ("DATA_DIR", "DB", "API_TOKEN", "ALLOWED_HOSTS", "HEARTBEAT_S", "LOG_LEVEL", "BENCH_DIR")
TOKEN = "a-token-of-20-chars!"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A clean slate: none of the deployment variables set."""
    for name in NAMES:
        monkeypatch.delenv(f"EMOLENS_{name}", raising=False)
    return monkeypatch


def test_defaults_without_any_variable(env: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert settings.db is None and settings.api_token is None and settings.token() is None
    assert settings.allowed_hosts == () and settings.bench_dir is None
    assert settings.heartbeat_s == 5.0 and settings.log_level == "warning"
    assert settings.data_dir.name == "emolens"


def test_every_variable_is_read(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("EMOLENS_DATA_DIR", str(tmp_path / "data"))
    env.setenv("EMOLENS_DB", "postgresql://u:p@h/db")
    env.setenv("EMOLENS_API_TOKEN", TOKEN)
    env.setenv("EMOLENS_ALLOWED_HOSTS", " box.local, Kiosk.Example,,")
    env.setenv("EMOLENS_HEARTBEAT_S", "0.5")
    env.setenv("EMOLENS_LOG_LEVEL", "INFO")
    env.setenv("EMOLENS_BENCH_DIR", "~/frames")
    settings = load_settings()
    assert settings.data_dir == tmp_path / "data"
    assert settings.db_url() == "postgresql+psycopg://u:p@h/db"
    assert settings.token() == TOKEN and TOKEN not in repr(settings)
    assert settings.allowed_hosts == ("box.local", "Kiosk.Example")
    assert settings.heartbeat_s == 0.5 and settings.log_level == "info"
    assert settings.bench_dir == Path("~/frames").expanduser()


def test_empty_variables_count_as_unset(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("DB", "API_TOKEN", "HEARTBEAT_S", "LOG_LEVEL"):
        env.setenv(f"EMOLENS_{name}", "")
    env.setenv("EMOLENS_DATA_DIR", str(tmp_path / "data"))
    settings = load_settings()
    assert settings.db is None and settings.api_token is None and settings.heartbeat_s == 5.0
    assert settings.db_url() == f"sqlite:///{tmp_path / 'data' / 'emolens.db'}"


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("HEARTBEAT_S", "0", "greater than or equal to 0.05"),
        ("HEARTBEAT_S", "1e9", "less than or equal to 3600"),
        ("HEARTBEAT_S", "nan", "finite number"),
        ("HEARTBEAT_S", "soon", "valid number"),
        ("HEARTBEAT_S", "-1", "greater than or equal to 0.05"),
        ("API_TOKEN", "short", "at least 16 characters"),
        ("LOG_LEVEL", "loud", "'warning'"),
    ],
)
def test_bad_values_are_refused_by_name(env: pytest.MonkeyPatch, name: str, value: str, words: str) -> None:
    env.setenv(f"EMOLENS_{name}", value)
    with pytest.raises(ConfigError, match=f"EMOLENS_{name}: ") as caught:
        load_settings()
    assert words in str(caught.value)
    if name == "API_TOKEN":
        assert value not in str(caught.value)  # a secret is never echoed


def test_flags_override_the_environment(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("EMOLENS_DB", "postgresql://u:p@h/db")
    env.setenv("EMOLENS_API_TOKEN", TOKEN)
    settings = load_settings(db=str(tmp_path / "flag.db"), api_token=None)  # a flag not given leaves the variable
    assert settings.db_url() == f"sqlite:///{tmp_path / 'flag.db'}" and settings.token() == TOKEN
    with pytest.raises(ConfigError, match="--api-token: needs at least 16 characters"):
        load_settings(api_token="short")


def test_settings_are_frozen_and_know_no_other_name(env: pytest.MonkeyPatch) -> None:
    settings = Settings()
    with pytest.raises(ValueError, match="frozen"):
        settings.db = "x.db"  # type: ignore[misc]
    with pytest.raises(ConfigError, match="--colour"):
        load_settings(colour="blue")


def test_a_bad_variable_is_a_one_line_cli_error(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("EMOLENS_HEARTBEAT_S", "soon")
    result = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "never.db")])
    assert result.exit_code == 2
    assert "error: EMOLENS_HEARTBEAT_S: " in result.output and "Traceback" not in result.output
    assert not (tmp_path / "never.db").exists()


def test_cli_commands_follow_the_environment_and_their_flags(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("EMOLENS_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(cli, ["people", "list", "--json"])
    assert result.exit_code == 0 and result.output.strip() == "[]"
    assert (tmp_path / "data" / "emolens.db").is_file()
    flagged = tmp_path / "flag.db"
    Store(f"sqlite:///{flagged}").close()
    env.setenv("EMOLENS_DB", str(tmp_path / "absent" / "env.db"))
    result = CliRunner().invoke(cli, ["people", "list", "--json", "--db", str(flagged)])
    assert result.exit_code == 0 and result.output.strip() == "[]"
    assert not (tmp_path / "absent").exists()


def test_only_the_config_module_reads_deployment_variables() -> None:
    root = Path(emolens.__file__).parent
    readers = sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if re.search(r"environ[^\n]*EMOLENS_|getenv\([\"']EMOLENS_|envvar=", path.read_text())
    )
    assert readers == []
