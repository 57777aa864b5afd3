"""A report folder: report.md (text and figures), report.json (every number) and the PNG figures."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["Report", "markdown_table"]

log = logging.getLogger(__name__)


def _plain(value: Any) -> Any:
    """JSON-ready copy: numpy scalars and arrays become Python numbers and lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table; floats are printed with 4 decimals, the first column left-aligned."""

    def cell(v: Any) -> str:
        return f"{v:.4f}" if isinstance(v, float) else (f"{v:,}" if isinstance(v, int) else str(v))

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join([":--"] + ["--:"] * (len(header) - 1)) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


@dataclass
class Report:
    """Build a report section by section, then ``write()`` it into ``folder``."""

    folder: Path
    title: str
    sections: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.folder = Path(self.folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def figure_path(self, name: str) -> Path:
        """Where a figure named ``name`` (no suffix) goes."""
        return self.folder / f"{name}.png"

    def add(self, heading: str, text: str = "", figures: Sequence[str] = ()) -> None:
        """A section: a heading, Markdown text and figures (names given to figure_path)."""
        parts = [f"## {heading}", text.strip()] + [f"![{name}]({name}.png)" for name in figures]
        self.sections.append("\n\n".join(p for p in parts if p))

    def write(self) -> Path:
        """Write report.md and report.json; returns the Markdown path."""
        markdown = self.folder / "report.md"
        markdown.write_text(f"# {self.title}\n\n" + "\n\n".join(self.sections) + "\n")
        (self.folder / "report.json").write_text(json.dumps(_plain(self.data), indent=2, ensure_ascii=False) + "\n")
        log.info("report written to %s", markdown)
        return markdown
