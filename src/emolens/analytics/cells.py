"""CSV cells that a spreadsheet shows as text, never runs as a formula (OWASP's CSV-injection advice)."""

from __future__ import annotations

__all__ = ["spreadsheet_safe"]

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_safe(value: object) -> object:
    """``value`` itself, or for text a spreadsheet would evaluate (``=HYPERLINK(..)``, ``@SUM(..)``,
    ``-1+2``), the text behind a leading apostrophe; numbers, None and other text pass unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
