"""Query and path parameters shared by the routes, each validated before it reaches the database."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

__all__ = ["PLAIN_TEXT", "PlainText", "SessionId"]

# Printable text: control characters (NUL among them, which PostgreSQL refuses in text) are a 422 here.
PLAIN_TEXT = r"^[^\x00-\x1f\x7f]*$"

PlainText = Annotated[str | None, Query(max_length=200, pattern=PLAIN_TEXT, description="plain text; empty means any")]
SessionId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$", description="a session's UUID")]
