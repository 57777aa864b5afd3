"""Drift monitoring: a reference profile per model, drift tests of new faces against it, and a report."""

from __future__ import annotations

from emolens.monitoring.drift import DriftReport, TestResult, compare
from emolens.monitoring.features import FeatureReader, LandmarkFinder, Measurements
from emolens.monitoring.profile import Profile, build_profile, profile_path, write_reference_profile
from emolens.monitoring.rolling import DriftEvent, RollingMonitor

__all__ = [
    "DriftEvent",
    "DriftReport",
    "FeatureReader",
    "LandmarkFinder",
    "Measurements",
    "Profile",
    "RollingMonitor",
    "TestResult",
    "build_profile",
    "compare",
    "profile_path",
    "write_reference_profile",
]
