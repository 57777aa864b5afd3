"""Request bodies of the JSON API that only the web takes; the session layer's models answer the rest."""

from __future__ import annotations

from pydantic import BaseModel, Field

from emolens.web.params import PLAIN_TEXT

__all__ = ["SessionCreate"]


class SessionCreate(BaseModel):
    scenario: str = Field(min_length=1, max_length=80, pattern=PLAIN_TEXT, examples=["Interview"])
    source: str = Field(default="webcam", pattern="^(webcam|upload|video|desktop)$")
