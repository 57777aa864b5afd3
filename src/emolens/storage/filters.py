"""The SQL conditions of an :class:`ObservationFilter`, on the observations table alone (no join)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select

from emolens.storage.records import ObservationFilter
from emolens.storage.tables import ObservationRow, SessionRow

__all__ = ["observation_conditions"]


def observation_conditions(f: ObservationFilter) -> list[ColumnElement[bool]]:
    """The WHERE conditions of ``f``; a source or scenario becomes ``session_id IN (matching sessions)``.

    Keeping the session table out of the join lets the database read observations through their own
    indexes only, which is what makes counting large tables fast.
    """
    found: list[ColumnElement[bool]] = []
    equal = ((ObservationRow.session_id, f.session_id), (ObservationRow.person, f.person))
    found += [column == value for column, value in (*equal, (ObservationRow.emotion, f.emotion)) if value is not None]
    if f.source is not None or f.scenario is not None:
        sessions = select(SessionRow.id)
        if f.source is not None:
            sessions = sessions.where(SessionRow.source == f.source)
        if f.scenario is not None:
            sessions = sessions.where(SessionRow.scenario == f.scenario)
        found.append(ObservationRow.session_id.in_(sessions))
    if f.since is not None:
        found.append(ObservationRow.timestamp >= f.since)
    if f.until is not None:
        found.append(ObservationRow.timestamp < f.until)
    return found
