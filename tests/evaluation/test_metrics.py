"""ROC curves and reliability bins against cases with known answers."""

from __future__ import annotations

import numpy as np

from emolens.evaluation.metrics import expected_calibration_error, reliability_bins, roc_curve


def test_roc_auc_perfect_reversed_tied_and_random() -> None:
    positive = np.array([1, 1, 0, 0], bool)
    assert roc_curve(np.array([0.9, 0.8, 0.2, 0.1]), positive)[2] == 1.0
    assert roc_curve(np.array([0.1, 0.2, 0.8, 0.9]), positive)[2] == 0.0
    assert roc_curve(np.full(4, 0.5), positive)[2] == 0.5
    rng = np.random.default_rng(0)
    assert abs(roc_curve(rng.random(4000), rng.random(4000) < 0.3)[2] - 0.5) < 0.03


def test_reliability_bins_agree_with_ece() -> None:
    rng = np.random.default_rng(1)
    probs = rng.dirichlet(np.ones(5), 2000)
    y = rng.integers(0, 5, 2000)
    confidence, accuracy, count = reliability_bins(probs, y)
    ece = float((count / count.sum() * np.abs(accuracy - confidence)).sum())
    assert abs(ece - expected_calibration_error(probs, y)) < 1e-9
    assert count.sum() == 2000
