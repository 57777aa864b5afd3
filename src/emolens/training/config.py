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
DISTILL_VIEWS = ("augmented", "clean")


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run's result; the seed makes it repeatable.

    ``classes`` (default: all seven) and ``relabel`` (data class -> model class) train a subset or a merged
    set; ``extra_train`` names more folders (any layout, e.g. ``emolens data scene-crops``) whose training
    images join the train split; ``class_weighting`` weighs the loss by inverse class frequency,
    ``class_weights`` by the given factor per class (1 for a class not named), ``sampling: balanced`` instead
    draws every class equally often; ``early_stop_patience`` stops after that many epochs without a better
    validation accuracy (0: never); the learning rate warms up linearly, then follows a cosine to zero.

    ``init``: a checkpoint (packed folder, run folder or .pt) whose weights start the run (fine-tuning; a
    resumed run starts from its own last.pt instead). ``mixup_alpha``/``cutmix_alpha`` > 0 mix a share
    ``mix_p`` of the batches (training.mixing). ``swa_epochs`` > 0 averages the weights of the last that many
    epochs (swa.pt); with ``swa_lr`` > 0 the cosine ends at swa_lr when averaging starts and stays there.
    ``ema_decay`` > 0 keeps an EMA of the weights, updated every step (ema.pt). Averaged weights get BatchNorm
    statistics recomputed on ``average_bn_images`` training images (not augmented) each epoch.

    ``teachers`` (checkpoints) with ``distill_weight`` w > 0: the loss is (1 - w) x the label loss + w x the
    distillation loss towards the teachers' mean softmax at ``distill_temperature``, read on the student's
    augmented batch or, with ``distill_view = "clean"``, on each face as it is (training.distill).
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
    class_weights: dict[str, float] = field(default_factory=dict)
    sampling: str = "shuffle"
    early_stop_patience: int = 0
    bf16: bool = True
    seed: int = 0
    threads: int = 0
    device: str = "auto"
    limit_per_class: int = 0
    classes: tuple[str, ...] | None = None
    relabel: dict[str, str] = field(default_factory=dict)
    extra_train: tuple[str, ...] = ()
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    init: str = ""
    mixup_alpha: float = 0.0
    cutmix_alpha: float = 0.0
    mix_p: float = 1.0
    swa_epochs: int = 0
    swa_lr: float = 0.0
    ema_decay: float = 0.0
    average_bn_images: int = 2048
    teachers: tuple[str, ...] = ()
    distill_weight: float = 0.0
    distill_temperature: float = 2.0
    distill_view: str = "augmented"

    def __post_init__(self) -> None:
        problems = [
            f"{name} must be > 0, got {getattr(self, name)}"
            for name in ("epochs", "batch_size", "lr")
            if not getattr(self, name) > 0
        ]
        problems += [
            f"{name} must be >= 0, got {getattr(self, name)}"
            for name in (
                "weight_decay",
                "warmup_epochs",
                "early_stop_patience",
                "limit_per_class",
                "threads",
                "mixup_alpha",
                "cutmix_alpha",
                "swa_epochs",
                "swa_lr",
            )
            if getattr(self, name) < 0
        ]
        problems += self._averaging_problems() + self._distill_problems()
        if not 0 <= self.label_smoothing < 1:
            problems.append(f"label_smoothing must be in [0, 1), got {self.label_smoothing}")
        if self.class_weighting and self.class_weights:
            problems.append("give class_weighting or class_weights, not both")
        problems += [
            f"class_weights[{name!r}] must be > 0, got {weight}"
            for name, weight in self.class_weights.items()
            if not weight > 0
        ]
        if self.sampling not in SAMPLINGS:
            problems.append(f"sampling must be one of {SAMPLINGS}, got {self.sampling!r}")
        if self.device not in DEVICES:
            problems.append(f"device must be one of {DEVICES}, got {self.device!r}")
        if problems:
            raise ConfigError("invalid training config: " + "; ".join(problems))

    def _averaging_problems(self) -> list[str]:
        problems = []
        if not 0 <= self.mix_p <= 1:
            problems.append(f"mix_p must be in [0, 1], got {self.mix_p}")
        if not 0 <= self.ema_decay < 1:
            problems.append(f"ema_decay must be in [0, 1), got {self.ema_decay}")
        if self.swa_epochs > self.epochs:
            problems.append(f"swa_epochs ({self.swa_epochs}) must not exceed epochs ({self.epochs})")
        if self.swa_lr and not self.swa_epochs:
            problems.append("swa_lr needs swa_epochs > 0 (the epochs that run at swa_lr and are averaged)")
        if (self.swa_epochs or self.ema_decay) and self.average_bn_images < 1:
            problems.append(f"average_bn_images must be >= 1 to recompute BatchNorm, got {self.average_bn_images}")
        return problems

    def _distill_problems(self) -> list[str]:
        problems = []
        if not 0 <= self.distill_weight <= 1:
            problems.append(f"distill_weight must be in [0, 1], got {self.distill_weight}")
        elif bool(self.teachers) != bool(self.distill_weight):
            problems.append("teachers and distill_weight > 0 go together: name the teachers and how much they weigh")
        if self.distill_view not in DISTILL_VIEWS:
            problems.append(f"distill_view must be one of {DISTILL_VIEWS}, got {self.distill_view!r}")
        if not self.distill_temperature > 0:
            problems.append(f"distill_temperature must be > 0, got {self.distill_temperature}")
        return problems

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _from_dict(raw: dict[str, Any]) -> TrainConfig:
    known = {f.name for f in fields(TrainConfig)}
    unknown = set(raw) - known
    if unknown:
        raise ConfigError(f"unknown config keys {sorted(unknown)}; known keys: {sorted(known)}")
    raw = dict(raw)
    if "augment" in raw:
        known_augment = {f.name for f in fields(AugmentConfig)}
        unknown_augment = set(raw["augment"]) - known_augment
        if unknown_augment:
            raise ConfigError(
                f"unknown augment keys {sorted(unknown_augment)}; known augment keys: {sorted(known_augment)}"
            )
        raw["augment"] = AugmentConfig(**raw["augment"])
    for key in ("classes", "extra_train", "teachers"):
        if raw.get(key) is not None:
            raw[key] = tuple(raw[key])
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
