"""The error tree: every error emolens raises on purpose is an EmolensError, exported from the package root."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import emolens
from emolens import errors
from emolens.analytics import parse_weights
from emolens.errors import CheckpointError, ConfigError, EmolensError, InvalidNameError
from emolens.storage.facefiles import session_folder
from emolens.vision.track import Tracker
from emolens.web.settings import WebSettings


def test_every_error_is_an_emolens_error_and_public() -> None:
    classes = [getattr(errors, name) for name in errors.__all__]
    assert all(inspect.isclass(c) and issubclass(c, EmolensError) for c in classes)
    assert set(errors.__all__) <= set(emolens.__all__)


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: parse_weights("happy=lots"), ConfigError, "emotion=number"),
        (lambda: WebSettings(db_url="sqlite://", workers=0), ConfigError, "workers"),
        (lambda: WebSettings(db_url="sqlite://", api_token="short"), ConfigError, "16 characters"),
        (lambda: Tracker(smoothing=1.0), ConfigError, "smoothing"),
        (lambda: session_folder(Path("crops"), ".."), InvalidNameError, "plain folder name"),
    ],
    ids=["weights", "server-workers", "server-token", "smoothing", "session-folder"],
)
def test_bad_values_raise_emolens_errors(call, error: type[EmolensError], words: str) -> None:
    with pytest.raises(error, match=words):
        call()


def test_checkpoint_files_raise_checkpoint_errors(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    from emolens.training.checkpoint_parts import pack, unpack
    from emolens.training.distributed import pick_device

    with pytest.raises(CheckpointError, match="does not exist"):
        pack(tmp_path / "no-run", tmp_path / "out")
    with pytest.raises(CheckpointError, match="not a packed run"):
        unpack(tmp_path, tmp_path / "out")
    if not torch.cuda.is_available():
        with pytest.raises(errors.TrainingError, match="no CUDA GPU"):
            pick_device("cuda")
