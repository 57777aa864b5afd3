"""Storage: sessions, observations and settings in SQLite (default, WAL) or PostgreSQL, via SQLAlchemy 2.

>>> store = Store(resolve_db_url(None))                       # doctest: +SKIP
>>> s = store.create_session("Interview", "webcam")           # doctest: +SKIP
"""

from __future__ import annotations

from emolens.storage.aggregates import BucketCount, GroupCount
from emolens.storage.owners import DEFAULT_HEARTBEAT_S, Heartbeat
from emolens.storage.paths import data_dir, resolve_db_url
from emolens.storage.people import EnrolledFace, PeopleRepository, PersonRecord, check_person_name
from emolens.storage.records import (
    SOURCES,
    ObservationFilter,
    ObservationIn,
    ObservationRecord,
    PageKey,
    SessionRecord,
)
from emolens.storage.revisions import PEOPLE, RevisionWatch
from emolens.storage.store import Store

__all__ = [
    "DEFAULT_HEARTBEAT_S",
    "PEOPLE",
    "SOURCES",
    "BucketCount",
    "EnrolledFace",
    "GroupCount",
    "Heartbeat",
    "ObservationFilter",
    "ObservationIn",
    "ObservationRecord",
    "PageKey",
    "PeopleRepository",
    "PersonRecord",
    "RevisionWatch",
    "SessionRecord",
    "Store",
    "check_person_name",
    "data_dir",
    "resolve_db_url",
]
