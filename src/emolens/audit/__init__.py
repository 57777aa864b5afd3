"""Data audit of a face-crop data set: layout, counts, class weights, duplicates and leakage,
conflicting labels and low-quality images, written as a report (numpy and OpenCV only, no torch)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from emolens.audit.findings import AuditConfig, AuditFindings, audit_faceset
from emolens.audit.report import write_audit_report
from emolens.data.facesets import load_faceset

__all__ = ["AuditConfig", "AuditFindings", "audit_faceset", "run_audit"]


def run_audit(
    data: str | Path, out: str | Path, config: AuditConfig | None = None, progress: Callable[[int], None] | None = None
) -> tuple[AuditFindings, Path]:
    """Audit the data set at ``data`` (any emolens layout) and write the report into ``out``."""
    config = config or AuditConfig()
    faces = load_faceset(data, "all", progress=progress)
    findings = audit_faceset(faces, config)
    path = write_audit_report(faces, findings, str(data), Path(out), config.samples_per_class, config.seed)
    return findings, path
