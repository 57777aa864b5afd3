"""The confidence score of a session or a person (F3): weighted emotion counts, normalised to 0-100."""

from __future__ import annotations

from collections.abc import Mapping

from emolens.errors import ConfigError

__all__ = ["DEFAULT_WEIGHTS", "OTHER_WEIGHT", "confidence_score", "parse_weights"]

DEFAULT_WEIGHTS: dict[str, float] = {"happy": 2.0, "neutral": 2.0, "sad": -1.0, "angry": -2.0}
OTHER_WEIGHT = -2.0  # disgust, fear, surprise and any emotion the weights do not name


def confidence_score(
    counts: Mapping[str, int], weights: Mapping[str, float] | None = None, other: float = OTHER_WEIGHT
) -> float | None:
    """The score in [0, 100]: the weighted sum of counts, placed between the lowest and highest sum possible.

    With the default weights only happy and neutral observations give 100 and only angry/other give 0; a
    session of sad faces gives 25. None when there are no observations or every weight is equal.
    """
    table = DEFAULT_WEIGHTS if weights is None else weights
    total = sum(counts.values())
    if total <= 0:
        return None
    values = [*table.values(), other]
    low, high = min(values), max(values)
    if high == low:
        return None
    raw = sum(n * table.get(emotion, other) for emotion, n in counts.items())
    return round(100.0 * (raw - low * total) / ((high - low) * total), 1)


def parse_weights(text: str) -> dict[str, float]:
    """Weights from "happy=2,neutral=2,sad=-1,angry=-2"; a clear ValueError on bad input."""
    weights: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = item.partition("=")
        try:
            weights[name.strip().lower()] = float(value)
        except ValueError:
            raise ConfigError(f"bad weight {item!r}: write emotion=number, e.g. happy=2,sad=-1") from None
        if not sep or not name.strip():
            raise ConfigError(f"bad weight {item!r}: write emotion=number, e.g. happy=2,sad=-1")
    return weights
