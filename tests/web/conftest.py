"""Fixtures: a real `emolens serve` process per test module, and a factory for servers with options; both serve
the tiny test model (tests/tiny_model.py, every face "happy"): the web app's tests need a model, not the shipped one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from live_server import Server, start_server


@pytest.fixture()
def serve(tmp_path: Path, tiny_model: Path) -> Iterator[Callable[..., Server]]:
    """Start servers with extra options: ``serve("--camera", path, token=...)``; all stop after the test."""
    running: list[Iterator[Server]] = []

    def start(*extra: str, token: str | None = None) -> Server:
        generator = start_server(tmp_path / f"s{len(running)}", "--model", str(tiny_model), *extra, token=token)
        running.append(generator)
        return next(generator)

    yield start
    for generator in running:
        generator.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path) -> Iterator[Server]:
    yield from start_server(tmp_path_factory.mktemp("serve"), "--model", str(tiny_model))
