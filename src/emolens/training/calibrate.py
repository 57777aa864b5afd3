"""Temperature scaling: one scalar T fitted on held-out logits so that softmax(logits / T) is calibrated."""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar

from emolens.vision.classify import softmax

__all__ = ["fit_temperature", "nll"]


def nll(logits: np.ndarray, labels: np.ndarray, temperature: float) -> float:
    """Mean negative log-likelihood of ``labels`` under softmax(logits / temperature)."""
    probs = softmax(logits, temperature).astype(np.float64)
    return float(-np.log(np.clip(probs[np.arange(len(labels)), labels], 1e-12, None)).mean())


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature in [0.05, 20] that minimises NLL on (logits, labels), e.g. the validation split."""
    result = minimize_scalar(
        lambda log_t: nll(logits, labels, float(np.exp(log_t))), bounds=(np.log(0.05), np.log(20)), method="bounded"
    )
    return float(np.exp(result.x))
