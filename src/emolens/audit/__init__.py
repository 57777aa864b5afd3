"""Data audit of a face-crop data set: layout, counts, class weights, duplicates and leakage,
conflicting labels, low-quality images and candidate label errors (near duplicates that outvote a label,
and a model's confident disagreements), written as a report (numpy, OpenCV and ONNX Runtime, no torch)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from emolens.audit.findings import AuditConfig, AuditFindings, audit_faceset
from emolens.audit.labels import LabelCandidate, LabelFindings, find_label_errors, score_faces
from emolens.audit.report import write_audit_report
from emolens.data.facesets import load_faceset
from emolens.vision.classify import EmotionClassifier

__all__ = [
    "AuditConfig",
    "AuditFindings",
    "LabelCandidate",
    "LabelFindings",
    "audit_faceset",
    "find_label_errors",
    "run_audit",
    "score_faces",
]


def run_audit(
    data: str | Path,
    out: str | Path,
    config: AuditConfig | None = None,
    progress: Callable[[int], None] | None = None,
    classifier: EmotionClassifier | None = None,
) -> tuple[AuditFindings, Path]:
    """Audit the data set at ``data`` (any emolens layout) and write the report into ``out``; with a
    ``classifier`` its confident disagreements with the labels join the candidate label errors."""
    config = config or AuditConfig()
    faces = load_faceset(data, "all", progress=progress)
    findings = audit_faceset(faces, config)
    scores = score_faces(classifier, faces) if classifier is not None else None
    findings.labels = find_label_errors(faces, findings.groups["near"], scores, config.label_threshold)
    path = write_audit_report(faces, findings, str(data), Path(out), config.samples_per_class, config.seed)
    return findings, path
