"""The user's saved settings (score weights, face-crop saving) that the viewer follows unless a flag says else."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from emolens.desktop.viewer import LiveOptions
from emolens.session import load_user_settings
from emolens.storage import Store, data_dir
from emolens.storage.facefiles import CROPS_FOLDER

__all__ = ["with_saved_settings"]


def with_saved_settings(options: LiveOptions, store: Store, data_folder: Path | None = None) -> LiveOptions:
    """``options`` completed from the saved settings: weights when none were given, crops when no folder was.

    Face crops the saved setting turns on go to ``<data_folder>/face_crops/<session id>`` (default: the user's
    data folder), one frame in the saved ``crop_every_n_frames``, where the web app's deletions find them.
    """
    saved = load_user_settings(store)
    changes: dict[str, Any] = {}
    if options.weights is None:
        changes.update(weights=saved.weights, other_weight=saved.other_weight)
    if options.save_faces is None and saved.save_face_crops:
        changes["save_faces"] = data_dir(data_folder) / CROPS_FOLDER
    if options.save_every is None:
        changes["save_every"] = saved.crop_every_n_frames
    return replace(options, **changes)
