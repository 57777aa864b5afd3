"""The summary of a session, one type for every caller (``SessionSummary``): the web's summary, analytics and
advice pages, the live page's last message, and the desktop viewer's summary.json and summary.txt.

A stored session is summarised from its observations (``summarize_observations``); a live run from its
running statistics (``summarize_run``), which also fill ``run`` with what the run saw beyond the store. Both
take counts, shares, dominant emotion, trend and confidence score from ``emolens.analytics``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, Field

from emolens.analytics import (
    OTHER_WEIGHT,
    advice_for,
    confidence_score,
    dominant_emotion,
    emotion_counts,
    emotion_shares,
    faces_seen,
    timeline,
    trending_emotions,
)
from emolens.session.settings import UserSettings
from emolens.session.stats import LiveStats
from emolens.storage import ObservationFilter, ObservationRecord, SessionRecord, Store

__all__ = [
    "AdviceOut",
    "RunFacts",
    "SessionPublic",
    "SessionSummary",
    "session_summary",
    "summarize_observations",
    "summarize_run",
]


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


class RunFacts(BaseModel):
    """What a live run saw beyond its stored observations: ``observations`` counts every face analysed (the
    session's ``observation_count`` those stored), ``files`` every file the run wrote, by kind."""

    frames: int
    observations: int
    max_faces: int
    fps_mean: float
    duration_s: float
    resets: int
    database: str
    files: dict[str, list[str]] = Field(default_factory=dict)


class SessionSummary(BaseModel):
    """A session's summary; ``run`` only in the summary of a live run (the desktop viewer's)."""

    session: SessionPublic
    counts: dict[str, int]
    shares: dict[str, float]
    confidence_score: float | None = Field(description="F3 score in [0, 100]; null without observations")
    dominant: str | None
    mean_confidence: float | None = Field(description="the observations' mean confidence; null without any")
    trending: list[tuple[str, float]]
    timeline: list[dict[str, object]] = Field(description="counts per time bucket; empty in a live run's summary")
    person_counts: dict[str, dict[str, int]] = Field(description="emotion counts of each enrolled person seen")
    advice: AdviceOut
    run: RunFacts | None = None

    def to_text(self) -> str:
        """A readable block for the terminal and summary.txt."""
        s = self.session
        ended = s.ended_at.isoformat(timespec="seconds") if s.ended_at else "-"
        lines = [
            "SESSION SUMMARY",
            f"  session      {s.id} ({s.scenario}, source {s.source})",
            f"  time         {s.started_at.isoformat(timespec='seconds')} .. {ended}",
        ]
        if self.run:
            r = self.run
            lines[-1] += f" ({r.duration_s:.1f} s)"
            lines.append(f"  frames       {r.frames} at {r.fps_mean:.1f} FPS, up to {r.max_faces} face(s)")
            lines.append(f"  observations {r.observations} ({s.observation_count} stored in {r.database})")
        else:
            lines.append(f"  observations {s.observation_count}")
        lines.extend(self._emotion_lines())
        for kind, paths in (self.run.files if self.run else {}).items():
            lines.extend(f"  {kind:<12} {p}" for p in paths)
        return "\n".join(lines)

    def _emotion_lines(self) -> list[str]:
        mean = "-" if self.mean_confidence is None else f"{self.mean_confidence:.0%}"
        score = "-" if self.confidence_score is None else f"{self.confidence_score:.0f}/100"
        lines = [f"  dominant     {self.dominant or '-'}, mean confidence {mean}, confidence score {score}"]
        for emotion, count in sorted(self.counts.items(), key=lambda kv: -kv[1]):
            share = self.shares[emotion]
            lines.append(f"    {emotion:<9} {count:>6}  {share:6.1%}  {'#' * round(share * 30)}".rstrip())
        if self.trending:
            lines.append("  trending     " + ", ".join(f"{e} (+{rise:.0%})" for e, rise in self.trending))
        for name, counts in self.person_counts.items():
            seen = ", ".join(f"{e} {n}" for e, n in sorted(counts.items(), key=lambda kv: -kv[1]))
            lines.append(f"  person       {name}: {seen}")
        lines.extend(f"  advice       {tip}" for tip in self.advice.tips)
        return lines

    def save(self, folder: Path) -> tuple[Path, Path]:
        """Write summary.json and summary.txt into ``folder``; returns both paths."""
        folder.mkdir(parents=True, exist_ok=True)
        as_json, as_text = folder / "summary.json", folder / "summary.txt"
        as_json.write_text(json.dumps(self.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n")
        as_text.write_text(self.to_text() + "\n")
        return as_json, as_text


def _summary(
    session: SessionRecord,
    counts: dict[str, int],
    trending: list[tuple[str, float]],
    weights: Mapping[str, float] | None,
    other_weight: float,
    **parts: object,
) -> SessionSummary:
    """The parts every summary computes the same way from ``counts`` and ``trending``, with the other ``parts``."""
    dominant = dominant_emotion(counts)
    advice = advice_for(session.scenario, dominant, [e for e, _ in trending])
    return SessionSummary.model_validate(
        {
            "session": SessionPublic.of(session),
            "counts": counts,
            "shares": {e: round(s, 4) for e, s in emotion_shares(counts).items()},
            "confidence_score": confidence_score(counts, weights, other_weight),
            "dominant": dominant,
            "trending": trending,
            "advice": AdviceOut(dominant=advice.dominant, trending=advice.trending, tips=advice.tips),
            **parts,
        }
    )


def session_summary(store: Store, session_id: str, prefs: UserSettings, person: str | None = None) -> SessionSummary:
    """The summary of one stored session (or of one person in it)."""
    session = store.get_session(session_id)
    observations = store.query_observations(ObservationFilter(session_id=session_id, person=person))
    return summarize_observations(session, observations, prefs)


def summarize_observations(
    session: SessionRecord, observations: Sequence[ObservationRecord], prefs: UserSettings
) -> SessionSummary:
    """The summary of ``session`` from its ``observations`` (say, none for a session that ended empty)."""
    people: dict[str, list[ObservationRecord]] = {}
    for o in observations:
        if o.person:
            people.setdefault(o.person, []).append(o)
    faces = sum(o.frames for o in observations)
    mean = sum(o.confidence * o.frames for o in observations) / faces if faces else None
    return _summary(
        session,
        faces_seen(observations),
        trending_emotions(observations),
        prefs.weights,
        prefs.other_weight,
        mean_confidence=None if mean is None else round(mean, 4),
        timeline=timeline(observations),
        person_counts={name: _seen(faces_seen(seen)) for name, seen in sorted(people.items())},
    )


def summarize_run(
    stats: LiveStats,
    session: SessionRecord,
    run: RunFacts,
    weights: Mapping[str, float] | None = None,
    other_weight: float = OTHER_WEIGHT,
) -> SessionSummary:
    """The summary of a live run of ``session`` from ``stats`` (the whole run's), with the ``run``'s facts.

    Counted from what the run saw, so it holds even where the store refused observations (``run.observations``
    against the session's ``observation_count``); no timeline: the statistics keep counts, not each observation.
    """
    counts = emotion_counts([]) | {e.value: n for e, n in stats.counts.items()}
    mean = stats.mean_confidence
    return _summary(
        session,
        counts,
        stats.rising(),
        weights,
        other_weight,
        mean_confidence=None if mean is None else round(mean, 4),
        timeline=[],
        person_counts={
            name: _seen({e.value: c[e] for e in stats.labels}) for name, c in sorted(stats.person_counts.items())
        },
        run=run,
    )


def _seen(counts: Mapping[str, int]) -> dict[str, int]:
    """``counts`` without the emotions never seen."""
    return {e: n for e, n in counts.items() if n}
