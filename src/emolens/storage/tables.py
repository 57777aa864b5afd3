"""SQLAlchemy 2 tables: sessions, observations, settings, people, face embeddings, drift events, revisions.
The migrations own the schema."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Base",
    "DriftEventRow",
    "EmbeddingRow",
    "ObservationRow",
    "OwnerRow",
    "PersonRow",
    "RevisionRow",
    "SessionRow",
    "SettingRow",
    "UtcDateTime",
]


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no zone, so it is added back on read)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"datetimes must be timezone-aware, got naive {value.isoformat()}")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class SessionRow(Base):
    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    scenario: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    owner_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)


class OwnerRow(Base):
    """A running server or viewer; it is gone once ``heartbeat_at`` is older than its own ``timeout_s``."""

    __tablename__ = "owners"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(UtcDateTime)
    timeout_s: Mapped[float] = mapped_column(Float)


class ObservationRow(Base):
    """One face over ``frames`` frames of its track from ``timestamp`` on (1: one frame), with their mean
    probabilities and the last box."""

    __tablename__ = "observations"
    __table_args__ = (  # migration 0005 says what counting and paging read from each
        Index("ix_observations_session_time", "session_id", "timestamp"),
        Index("ix_observations_session_person_emotion_time", "session_id", "person", "emotion", "timestamp", "frames"),
        Index("ix_observations_emotion_time_session_person", "emotion", "timestamp", "session_id", "person", "frames"),
        Index("ix_observations_time_id", "timestamp", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(String(36), ForeignKey("sessions.id", ondelete="CASCADE"))
    timestamp: Mapped[datetime] = mapped_column(UtcDateTime)
    track_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    person: Mapped[str | None] = mapped_column(String(120), nullable=True, index=True)
    emotion: Mapped[str] = mapped_column(String(32))
    confidence: Mapped[float] = mapped_column(Float)
    probabilities: Mapped[dict[str, Any]] = mapped_column(JSON)
    bbox: Mapped[list[float] | None] = mapped_column(JSON, nullable=True)
    frames: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class SettingRow(Base):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class RevisionRow(Base):
    """How many times a shared thing (``people``) changed; bumped in the transaction that changes it."""

    __tablename__ = "revisions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class PersonRow(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class EmbeddingRow(Base):
    """One face embedding of a person: float32 bytes, the model that made it, the photo's SHA-256 (not the photo)."""

    __tablename__ = "embeddings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(Integer, ForeignKey("people.id", ondelete="CASCADE"), index=True)
    model: Mapped[str] = mapped_column(String(64))
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    photo_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DriftEventRow(Base):
    """A drift alarm of a rolling monitor: when, where from, the session whose faces completed the window (deleted
    with it), the tests that alarmed (feature, test, statistic, effect, threshold, level) and the verdict."""

    __tablename__ = "drift_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    session_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("sessions.id", ondelete="CASCADE"), nullable=True, index=True
    )
    source: Mapped[str] = mapped_column(String(16))
    verdict: Mapped[str] = mapped_column(String(8))
    features: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
