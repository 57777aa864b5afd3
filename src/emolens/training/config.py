"""The typed configuration of a training run, loaded from YAML or TOML and saved resolved beside the run."""

from __future__ import annotations

import json
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from emolens.training.augment import AugmentConfig

__all__ = ["TrainConfig", "load_config"]


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run's result; the seed makes it repeatable."""

    data: str = "../shared/data/fer2013"
    net: str = "vgg-m"
    epochs: int = 40
    batch_size: int = 128
    lr: float = 0.05
    weight_decay: float = 5e-4
    warmup_epochs: float = 1.0
    label_smoothing: float = 0.1
    class_weighting: bool = False
    early_stop_patience: int = 0
    bf16: bool = True
    seed: int = 0
    threads: int = 0
    limit_per_class: int = 0
    augment: AugmentConfig = field(default_factory=AugmentConfig)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _from_dict(raw: dict[str, Any]) -> TrainConfig:
    known = {f.name for f in fields(TrainConfig)}
    unknown = set(raw) - known
    if unknown:
        raise ValueError(f"unknown config keys {sorted(unknown)}; known keys: {sorted(known)}")
    raw = dict(raw)
    if "augment" in raw:
        raw["augment"] = AugmentConfig(**raw["augment"])
    return TrainConfig(**raw)


def load_config(path: str | Path | None, **overrides: Any) -> TrainConfig:
    """Read a TOML, YAML or JSON config (or defaults when ``path`` is None) and apply ``overrides``."""
    raw: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        text = path.read_text()
        if path.suffix == ".toml":
            raw = tomllib.loads(text)
        elif path.suffix in (".yaml", ".yml"):
            import yaml

            raw = yaml.safe_load(text) or {}
        else:
            raw = json.loads(text)
    raw.update({k: v for k, v in overrides.items() if v is not None})
    return _from_dict(raw)
