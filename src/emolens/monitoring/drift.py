"""Drift tests of new faces against a reference profile, each with a p-value, an effect size and thresholds.

- numbers (brightness, contrast, sharpness, pose, framing, face size, confidence): two-sample
  Kolmogorov-Smirnov (scipy.stats.ks_2samp) for the p-value, the population stability index (PSI, bins at
  the reference's quantiles: one per 25 new faces, 4 to 10) for the size: warn at 0.1, drift at 0.25 (the
  usual credit-scoring bands);
- the prediction mix: chi-square on the 2 x K table of counts (scipy.stats.chi2_contingency) for the
  p-value, the Jensen-Shannon distance (base 2, 0..1; scipy.spatial.distance.jensenshannon) for the size:
  warn at 0.1, drift at 0.2;
- the penultimate features (PCA, 8 dims): an energy-distance permutation test (Szekely and Rizzo; 2,000
  permutations, so p >= 1/2001), with
  the energy coefficient H = E / (2 E|X - Y|) (0..1) for the size: warn at 0.03, drift at 0.06.

A test alarms only when its p-value is below alpha divided by the number of tests run (Bonferroni, alpha =
0.01 family-wise), and its effect reaches a band. The verdict is the worst level; retraining is flagged when
any test reaches "drift".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats
from scipy.spatial.distance import jensenshannon

from emolens.monitoring.features import Measurements
from emolens.monitoring.profile import Profile

__all__ = ["LEVELS", "THRESHOLDS", "DriftReport", "TestResult", "compare", "energy_test", "psi"]

LEVELS = ("ok", "warn", "drift")
# (warn, drift) effect sizes per kind of test
THRESHOLDS = {"psi": (0.1, 0.25), "jensen_shannon": (0.1, 0.2), "energy": (0.03, 0.06)}
ALPHA = 0.01
MIN_FACES = 20
ENERGY_CAP = 400


@dataclass(frozen=True)
class TestResult:
    """One test: what was tested, how, its statistic, p-value, effect size and level."""

    feature: str
    test: str
    statistic: float
    p_value: float
    effect_name: str
    effect: float
    level: str
    reference_n: int
    new_n: int


@dataclass(frozen=True)
class DriftReport:
    """Every test, the verdict (ok / warn / drift), whether to retrain, and the per-test alpha used."""

    results: list[TestResult]
    verdict: str
    retrain: bool
    faces: int
    alpha_per_test: float
    skipped: dict[str, str]

    def to_dict(self) -> dict[str, object]:
        return {
            "verdict": self.verdict,
            "retrain": self.retrain,
            "faces": self.faces,
            "alpha_per_test": self.alpha_per_test,
            "results": [asdict(r) for r in self.results],
            "skipped": self.skipped,
        }

    def alarms(self) -> dict[str, str]:
        """feature -> level for every test that is not ok."""
        return {r.feature: r.level for r in self.results if r.level != "ok"}


def psi(reference: np.ndarray, new: np.ndarray, bins: int | None = None) -> float:
    """Population stability index of ``new`` against ``reference``, binned at the reference's quantiles.

    ``bins`` defaults to one per 25 new values, 4 to 10: fewer bins keep small samples from inflating it; each
    bin count gets 0.5 added (Laplace smoothing), so an empty bin costs a bounded amount.
    """
    bins = bins or int(np.clip(len(new) // 25, 4, 10))
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, bins + 1))[1:-1])

    def shares(values: np.ndarray) -> np.ndarray:
        counts = np.bincount(np.searchsorted(edges, values, side="right"), minlength=len(edges) + 1) + 0.5
        return counts / counts.sum()

    ref, cur = shares(reference), shares(new)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def _pairwise(points: np.ndarray) -> np.ndarray:
    squared = (points**2).sum(1)
    return np.sqrt(np.maximum(squared[:, None] + squared[None] - 2 * points @ points.T, 0))


def energy_test(x: np.ndarray, y: np.ndarray, permutations: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    """(energy statistic E, permutation p-value, energy coefficient H) of two N x D samples."""
    distances = _pairwise(np.concatenate([x, y]))
    n, total = len(x), len(x) + len(y)

    everything = distances.sum()

    def statistic(is_x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """E and the mean cross distance for each column of a total x P matrix marking the x sample."""
        a = is_x.astype(np.float64)
        from_x = distances @ a
        xx = (a * from_x).sum(0)
        xy = from_x.sum(0) - xx
        yy = everything - 2 * xy - xx
        m = total - n
        return 2 * xy / (n * m) - xx / (n * n) - yy / (m * m), xy / (n * m)

    labels = np.arange(total) < n
    observed, cross = (float(v[0]) for v in statistic(labels[:, None]))
    rng = np.random.default_rng(seed)
    beaten = 0
    for start in range(0, permutations, 250):  # permutations as matrix columns: one BLAS product per chunk
        chunk = np.stack([rng.permutation(labels) for _ in range(min(250, permutations - start))], axis=1)
        beaten += int((statistic(chunk)[0] >= observed).sum())
    return observed, (beaten + 1) / (permutations + 1), observed / (2 * cross) if cross > 0 else 0.0


def _level(p_value: float, effect: float, kind: str, alpha: float) -> str:
    warn, drift = THRESHOLDS[kind]
    if p_value >= alpha or effect < warn:
        return "ok"
    return "drift" if effect >= drift else "warn"


def _numbers(profile: Profile, measured: Measurements, skipped: dict[str, str]) -> list[tuple[str, np.ndarray]]:
    pairs = []
    for name, values in measured.numbers.items():
        finite = values[np.isfinite(values)]
        if name not in profile.samples:
            skipped[name] = "the profile has no reference for it (frame features need whole-frame references)"
        elif len(finite) < MIN_FACES:
            skipped[name] = f"only {len(finite)} measured values; need {MIN_FACES}"
        else:
            pairs.append((name, finite))
    return pairs


def _mix(profile: Profile, measured: Measurements, alpha: float) -> TestResult:
    reference = np.array([profile.prediction_counts.get(name, 0) for name in profile.labels], np.float64)
    new = np.bincount(measured.predicted, minlength=len(profile.labels)).astype(np.float64)
    seen = (reference + new) > 0
    chi2, p_value, _, _ = stats.chi2_contingency(np.stack([reference[seen], new[seen]]))
    js = float(jensenshannon(reference / reference.sum(), new / new.sum(), base=2))
    level = _level(float(p_value), js, "jensen_shannon", alpha)
    return TestResult(
        "prediction_mix", "chi-square", float(chi2), float(p_value), "jensen_shannon", js, level,
        int(reference.sum()), int(new.sum()),
    )  # fmt: skip


def compare(
    profile: Profile, measured: Measurements, alpha: float = ALPHA, permutations: int = 2000, seed: int = 0
) -> DriftReport:
    """Test ``measured`` faces against ``profile``: every number, the prediction mix and the feature summary."""
    skipped: dict[str, str] = {}
    numbers = _numbers(profile, measured, skipped)
    has_embedding = measured.embedding.ndim == 2 and measured.embedding.shape[1] == len(profile.pca_mean)
    with_mix = len(measured) >= MIN_FACES
    use_energy = has_embedding and len(measured) >= MIN_FACES
    if not use_energy:
        skipped["feature_summary"] = "no penultimate features (stored observations keep none) or too few faces"
    if not with_mix:
        skipped["prediction_mix"] = f"only {len(measured)} faces; need {MIN_FACES}"
    tests = len(numbers) + with_mix + use_energy
    per_test = alpha / max(1, tests)
    results = []
    for name, values in numbers:
        reference = profile.sample(name)
        ks = stats.ks_2samp(reference, values)
        effect = psi(reference, values)
        level = _level(float(ks.pvalue), effect, "psi", per_test)
        results.append(
            TestResult(name, "kolmogorov-smirnov", float(ks.statistic), float(ks.pvalue), "psi", effect, level,
                       len(reference), len(values))
        )  # fmt: skip
    if with_mix:
        results.append(_mix(profile, measured, per_test))
    if use_energy:
        rng = np.random.default_rng(seed)
        new = profile.project(measured.embedding)
        new = new[rng.choice(len(new), ENERGY_CAP, replace=False)] if len(new) > ENERGY_CAP else new
        reference = np.asarray(profile.embedding_sample, np.float64)[:ENERGY_CAP]
        e, p_value, h = energy_test(reference, new, permutations, seed)
        results.append(
            TestResult("feature_summary", "energy-distance permutation", e, p_value, "energy", h,
                       _level(p_value, h, "energy", per_test), len(reference), len(new))
        )  # fmt: skip
    verdict = max((r.level for r in results), key=LEVELS.index, default="ok")
    return DriftReport(results, verdict, verdict == "drift", len(measured), per_test, skipped)
