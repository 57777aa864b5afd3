"""Summaries of a session: of a live run from its running statistics (``SessionSummary``, saved as JSON and text
on quit), and of a stored session from its observations (``SummaryOut``, the web's summary, analytics and advice).

Both take their counts, shares, dominant emotion and confidence score from ``emolens.analytics``, and their
score weights from the user's settings.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from emolens.analytics import (
    OTHER_WEIGHT,
    advice_for,
    confidence_score,
    dominant_emotion,
    emotion_counts,
    emotion_shares,
    timeline,
    trending_emotions,
)
from emolens.session.settings import UserSettings
from emolens.session.stats import LiveStats
from emolens.storage import ObservationFilter, ObservationRecord, SessionRecord, Store

__all__ = [
    "AdviceOut",
    "SessionPublic",
    "SessionSummary",
    "SummaryOut",
    "session_summary",
    "summarize_observations",
    "summarize_run",
]


@dataclass(frozen=True)
class SessionSummary:
    """What one live session saw; ``files`` names every file the session wrote, by kind."""

    session_id: str
    scenario: str
    source: str
    started_at: str
    ended_at: str
    duration_s: float
    frames: int
    observations: int
    stored_observations: int
    max_faces: int
    fps_mean: float
    emotion_counts: dict[str, int]
    emotion_shares: dict[str, float]
    dominant: str | None
    mean_confidence: float | None
    confidence_score: float | None
    resets: int
    database: str
    files: dict[str, list[str]] = field(default_factory=dict)
    person_counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_text(self) -> str:
        """A readable block for the terminal and summary.txt."""
        lines = [
            "SESSION SUMMARY",
            f"  session      {self.session_id} ({self.scenario}, source {self.source})",
            f"  time         {self.started_at} .. {self.ended_at} ({self.duration_s:.1f} s)",
            f"  frames       {self.frames} at {self.fps_mean:.1f} FPS, up to {self.max_faces} face(s)",
            f"  observations {self.observations} ({self.stored_observations} stored in {self.database})",
        ]
        mean = "-" if self.mean_confidence is None else f"{self.mean_confidence:.0%}"
        score = "-" if self.confidence_score is None else f"{self.confidence_score:.0f}/100"
        lines.append(f"  dominant     {self.dominant or '-'}, mean confidence {mean}, confidence score {score}")
        for emotion, count in sorted(self.emotion_counts.items(), key=lambda kv: -kv[1]):
            share = self.emotion_shares[emotion]
            lines.append(f"    {emotion:<9} {count:>6}  {share:6.1%}  {'#' * round(share * 30)}".rstrip())
        for name, counts in self.person_counts.items():
            seen = ", ".join(f"{e} {n}" for e, n in sorted(counts.items(), key=lambda kv: -kv[1]) if n)
            lines.append(f"  person       {name}: {seen}")
        for kind, paths in self.files.items():
            lines.extend(f"  {kind:<12} {p}" for p in paths)
        return "\n".join(lines)

    def save(self, folder: Path) -> tuple[Path, Path]:
        """Write summary.json and summary.txt into ``folder``; returns both paths."""
        folder.mkdir(parents=True, exist_ok=True)
        as_json, as_text = folder / "summary.json", folder / "summary.txt"
        as_json.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n")
        as_text.write_text(self.to_text() + "\n")
        return as_json, as_text


def summarize_run(
    stats: LiveStats, weights: Mapping[str, float] | None = None, other_weight: float = OTHER_WEIGHT, **facts: Any
) -> SessionSummary:
    """A summary of ``stats`` (the whole session's) with the session's ``facts`` (id, times, files...)."""
    counts = {e.value: stats.counts[e] for e in stats.labels}
    dominant = stats.dominant()
    mean = stats.mean_confidence
    return SessionSummary(
        frames=stats.frames,
        observations=stats.observations,
        max_faces=stats.max_faces,
        emotion_counts=counts,
        emotion_shares={e.value: round(s, 4) for e, s in stats.shares().items()},
        dominant=dominant.value if dominant else None,
        mean_confidence=None if mean is None else round(mean, 4),
        confidence_score=confidence_score(counts, weights, other_weight),
        person_counts={
            name: {e.value: n[e] for e in stats.labels if n[e]} for name, n in sorted(stats.person_counts.items())
        },
        **facts,
    )


class SessionPublic(BaseModel):
    """A stored session as the API shows it."""

    id: str
    scenario: str
    source: str
    started_at: datetime
    ended_at: datetime | None
    observation_count: int

    @classmethod
    def of(cls, record: SessionRecord) -> SessionPublic:
        return cls(**record.to_dict())


class AdviceOut(BaseModel):
    dominant: str | None
    trending: list[str]
    tips: list[str]


class SummaryOut(BaseModel):
    """A stored session's summary: what the summary, analytics and advice pages show."""

    session: SessionPublic
    counts: dict[str, int]
    shares: dict[str, float]
    confidence_score: float | None = Field(description="F3 score in [0, 100]; null without observations")
    dominant: str | None
    trending: list[tuple[str, float]]
    timeline: list[dict[str, object]]
    advice: AdviceOut


def session_summary(store: Store, session_id: str, prefs: UserSettings, person: str | None = None) -> SummaryOut:
    """The summary of one stored session (or of one person in it)."""
    session = store.get_session(session_id)
    observations = store.query_observations(ObservationFilter(session_id=session_id, person=person))
    return summarize_observations(session, observations, prefs)


def summarize_observations(
    session: SessionRecord, observations: list[ObservationRecord], prefs: UserSettings
) -> SummaryOut:
    """The summary of ``session`` from its ``observations`` (say, none for a session that ended empty)."""
    counts = emotion_counts(o.emotion for o in observations)
    dominant = dominant_emotion(counts)
    trending = trending_emotions(observations)
    advice = advice_for(session.scenario, dominant, [e for e, _ in trending])
    return SummaryOut(
        session=SessionPublic.of(session),
        counts=counts,
        shares={e: round(s, 4) for e, s in emotion_shares(counts).items()},
        confidence_score=confidence_score(counts, prefs.weights, prefs.other_weight),
        dominant=dominant,
        trending=trending,
        timeline=timeline(observations),
        advice=AdviceOut(dominant=advice.dominant, trending=advice.trending, tips=advice.tips),
    )
