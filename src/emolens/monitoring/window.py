"""What the Monitoring page draws: each feature of the recent window over time against the reference's band,
the prediction mix over time, and the last check's levels."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np

from emolens.monitoring.drift import DriftReport
from emolens.monitoring.profile import Profile

__all__ = ["BAND_QUANTILES", "window_summary"]

BAND_QUANTILES = (0.05, 0.5, 0.95)

Recent = list[tuple[datetime, dict[str, float], str]]


def _chunks(count: int, buckets: int) -> list[np.ndarray]:
    return [c for c in np.array_split(np.arange(count), min(buckets, count)) if len(c)] if count else []


def _feature(name: str, profile: Profile, recent: Recent, chunks: list[np.ndarray]) -> dict[str, Any]:
    low, mid, high = (float(q) for q in np.quantile(profile.sample(name), BAND_QUANTILES))
    points = []
    for chunk in chunks:
        values = [recent[i][1][name] for i in chunk if name in recent[i][1]]
        if values:
            points.append({"at": recent[chunk[-1]][0], "median": float(np.median(values)), "faces": len(values)})
    return {"feature": name, "band": {"low": low, "median": mid, "high": high}, "recent": points}


def window_summary(
    profile: Profile, recent: Recent, report: DriftReport | None, verdict: str, buckets: int = 12
) -> dict[str, Any]:
    """The page's data: ``recent`` faces (time, numbers, predicted label) in up to ``buckets`` time slices."""
    chunks = _chunks(len(recent), buckets)
    measured = {name for _, numbers, _ in recent for name in numbers}
    features = [_feature(name, profile, recent, chunks) for name in profile.samples if name in measured]
    results = {r.feature: r for r in report.results} if report else {}
    for feature in features:
        result = results.get(feature["feature"])
        feature.update(level=result.level if result else None, effect=result.effect if result else None)
    mix = [
        {"start": recent[c[0]][0], "counts": {label: sum(recent[i][2] == label for i in c) for label in profile.labels}}
        for c in chunks
    ]
    total = sum(profile.prediction_counts.values()) or 1
    return {
        "verdict": verdict,
        "faces": len(recent),
        "features": features,
        "prediction_mix": mix,
        "reference_mix": {label: profile.prediction_counts.get(label, 0) / total for label in profile.labels},
        "mix_level": results["prediction_mix"].level if "prediction_mix" in results else None,
        "checked": report is not None,
    }
