"""The typed configuration of a training run, loaded from YAML or TOML and saved resolved beside the run."""

from __future__ import annotations

import json
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from emolens.errors import ConfigError
from emolens.training.augment import AugmentConfig

__all__ = ["SAMPLINGS", "TrainConfig", "load_config"]

SAMPLINGS = ("shuffle", "balanced")
DEVICES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run's result; the seed makes it repeatable.

    ``classes`` (default: all seven) and ``relabel`` (data class -> model class) train a subset or a merged
    set; ``class_weighting`` weighs the loss by inverse class frequency, ``sampling: balanced`` instead draws
    every class equally often; ``early_stop_patience`` stops after that many epochs without a better
    validation accuracy (0: never); the learning rate warms up linearly, then follows a cosine to zero.
    """

    data: str = "../shared/data/fer2013"
    net: str = "vgg-m"
    epochs: int = 40
    batch_size: int = 128
    lr: float = 0.05
    weight_decay: float = 5e-4
    warmup_epochs: float = 1.0
    label_smoothing: float = 0.1
    class_weighting: bool = False
    sampling: str = "shuffle"
    early_stop_patience: int = 0
    bf16: bool = True
    seed: int = 0
    threads: int = 0
    device: str = "auto"
    limit_per_class: int = 0
    classes: tuple[str, ...] | None = None
    relabel: dict[str, str] = field(default_factory=dict)
    augment: AugmentConfig = field(default_factory=AugmentConfig)

    def __post_init__(self) -> None:
        problems = [
            f"{name} must be > 0, got {getattr(self, name)}"
            for name in ("epochs", "batch_size", "lr")
            if not getattr(self, name) > 0
        ]
        problems += [
            f"{name} must be >= 0, got {getattr(self, name)}"
            for name in ("weight_decay", "warmup_epochs", "early_stop_patience", "limit_per_class", "threads")
            if getattr(self, name) < 0
        ]
        if not 0 <= self.label_smoothing < 1:
            problems.append(f"label_smoothing must be in [0, 1), got {self.label_smoothing}")
        if self.sampling not in SAMPLINGS:
            problems.append(f"sampling must be one of {SAMPLINGS}, got {self.sampling!r}")
        if self.device not in DEVICES:
            problems.append(f"device must be one of {DEVICES}, got {self.device!r}")
        if problems:
            raise ConfigError("invalid training config: " + "; ".join(problems))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _from_dict(raw: dict[str, Any]) -> TrainConfig:
    known = {f.name for f in fields(TrainConfig)}
    unknown = set(raw) - known
    if unknown:
        raise ConfigError(f"unknown config keys {sorted(unknown)}; known keys: {sorted(known)}")
    raw = dict(raw)
    if "augment" in raw:
        raw["augment"] = AugmentConfig(**raw["augment"])
    if raw.get("classes") is not None:
        raw["classes"] = tuple(raw["classes"])
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
