"""The web app's saved settings (score weights, face-crop saving) that the viewer follows unless a flag says else."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from emolens.desktop.viewer import DEFAULT_SAVE_EVERY, LiveOptions
from emolens.storage import Store, data_dir
from emolens.storage.facefiles import CROPS_FOLDER

__all__ = ["SETTINGS_KEY", "with_saved_settings"]

log = logging.getLogger(__name__)

SETTINGS_KEY = "user"  # where the web app's settings page stores its choices


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _weights(saved: dict[str, Any]) -> dict[str, float] | None:
    weights = saved.get("weights")
    if not isinstance(weights, dict) or not weights:
        return None
    parsed = {str(k): _number(v) for k, v in weights.items()}
    return {k: v for k, v in parsed.items() if v is not None} or None


def with_saved_settings(options: LiveOptions, store: Store) -> LiveOptions:
    """``options`` completed from the saved settings: weights when none were given, crops when no folder was.

    Face crops the web app's setting turns on go to ``<data folder>/face_crops/<session id>``, one frame in the
    saved ``crop_every_n_frames``, where the web app's deletions find them.
    """
    saved = store.get_setting(SETTINGS_KEY, {}) or {}
    if not isinstance(saved, dict):
        log.warning("ignoring saved settings of an unexpected form: %r", saved)
        saved = {}
    changes: dict[str, Any] = {}
    if options.weights is None and (weights := _weights(saved)) is not None:
        other = _number(saved.get("other_weight"))
        changes.update(weights=weights, **({} if other is None else {"other_weight": other}))
    if options.save_faces is None and saved.get("save_face_crops") is True:
        changes["save_faces"] = data_dir() / CROPS_FOLDER
    if options.save_every is None:
        every = saved.get("crop_every_n_frames")
        changes["save_every"] = every if isinstance(every, int) and every >= 1 else DEFAULT_SAVE_EVERY
    return replace(options, **changes)
