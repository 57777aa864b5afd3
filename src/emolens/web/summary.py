"""A session's summary: counts, shares, score, dominant and trending emotions, timeline and advice."""

from __future__ import annotations

from emolens.analytics import (
    advice_for,
    confidence_score,
    dominant_emotion,
    emotion_counts,
    emotion_shares,
    timeline,
    trending_emotions,
)
from emolens.storage import ObservationFilter, ObservationRecord, SessionRecord, Store
from emolens.web.schemas import AdviceOut, SessionPublic, SettingsPublic, SummaryOut

__all__ = ["session_summary", "summarize"]


def session_summary(store: Store, session_id: str, prefs: SettingsPublic, person: str | None = None) -> SummaryOut:
    """Everything the summary, analytics and advice pages show about one session (or one person in it)."""
    session = store.get_session(session_id)
    observations = store.query_observations(ObservationFilter(session_id=session_id, person=person))
    return summarize(session, observations, prefs)


def summarize(session: SessionRecord, observations: list[ObservationRecord], prefs: SettingsPublic) -> SummaryOut:
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
