"""Reports of the model pipeline: Markdown + PNG + JSON in one folder, and the plots they hold."""

from emolens.reports.document import Report

__all__ = ["Report"]
