# ruff: noqa: E501  (a table of sentences reads better one per line)
"""Scenario-aware advice: a reviewed table of tips keyed by scenario and emotion (no generated text).

Each entry was written for the situation it names and reviewed against the others so that no tip claims
more than a facial expression can tell; the page always says the tips are suggestions, not diagnoses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["SCENARIOS", "Advice", "advice_for", "scenario_key"]

SCENARIOS: dict[str, str] = {
    "interview": "Interview",
    "exam": "Exam",
    "public_speaking": "Public Speaking",
    "online_class": "Online Class",
    "meeting": "Meeting",
}

_GENERAL: dict[str, str] = {
    "angry": "Tension showed often. Pause, drop your shoulders and take a slow breath before you go on.",
    "disgust": "Your face showed distaste at times. If something bothered you, name it calmly rather than let it show.",
    "fear": "You looked anxious. Slow breathing (in for 4, out for 6) lowers the heart rate within a minute.",
    "happy": "You looked at ease and positive. Keep that warmth: it makes others comfortable too.",
    "neutral": "You looked composed. A little more expression at key moments will show your interest.",
    "sad": "You looked low for much of the time. A short break, water and daylight help before the next try.",
    "surprise": "Surprise came up often. Prepare for likely turns so that fewer of them catch you off guard.",
}

_TABLE: dict[tuple[str, str], str] = {
    (
        "interview",
        "angry",
    ): "Frustration can read as defensiveness to an interviewer. Take a breath and answer the question behind the question.",
    (
        "interview",
        "disgust",
    ): "A sceptical look can be taken personally. If you disagree, say so with a reason and a smile.",
    (
        "interview",
        "fear",
    ): "Nerves are normal. Rehearse three stories (a success, a failure, a conflict) aloud until they feel easy.",
    (
        "interview",
        "happy",
    ): "Warmth and smiles build rapport. Pair them with concrete examples so you come across as both likeable and able.",
    (
        "interview",
        "neutral",
    ): "Calm is good; flat can read as disinterest. Nod and smile when the interviewer describes the role.",
    (
        "interview",
        "sad",
    ): "You may look discouraged. Open with a strength you are proud of to lift your own mood first.",
    (
        "interview",
        "surprise",
    ): "Unexpected questions threw you. It is fine to say 'Let me think about that for a moment.'",
    ("exam", "angry"): "Frustration narrows attention. Skip the question that annoys you and come back to it last.",
    ("exam", "disgust"): "If a topic puts you off, break it into the smallest next step and do only that.",
    (
        "exam",
        "fear",
    ): "Exam anxiety showed. Read the whole paper first, start with the question you know best, and breathe out slowly.",
    ("exam", "happy"): "You seemed confident. Keep checking your answers: confidence is best backed by a second look.",
    ("exam", "neutral"): "Steady focus. Keep an eye on the clock and plan your time per question.",
    (
        "exam",
        "sad",
    ): "You looked discouraged. One hard question says little about the whole result; move on and collect easier marks.",
    (
        "exam",
        "surprise",
    ): "Some questions surprised you. Practise with past papers so fewer formats are new on the day.",
    ("public_speaking", "angry"): "Tension can read as hostility from a stage. Relax your jaw and slow your pace.",
    (
        "public_speaking",
        "disgust",
    ): "The audience mirrors your face. Keep your expression open even when a point is critical.",
    (
        "public_speaking",
        "fear",
    ): "Stage fright showed. Learn your first two sentences by heart and look at one friendly face.",
    ("public_speaking", "happy"): "Your enthusiasm shows. Use it: smile at the start and at your key message.",
    (
        "public_speaking",
        "neutral",
    ): "You looked calm but reserved. Let your face follow the story: bigger gestures at the key points.",
    ("public_speaking", "sad"): "You seemed low-energy. Stand up straight, raise your voice a notch and vary its tone.",
    (
        "public_speaking",
        "surprise",
    ): "Something caught you off guard. Rehearse with someone who asks you hard questions.",
    (
        "online_class",
        "angry",
    ): "Frustration during class often means a step was missed. Write down the question and ask it in chat.",
    (
        "online_class",
        "disgust",
    ): "If the material feels pointless, ask the teacher how it will be used; purpose helps motivation.",
    ("online_class", "fear"): "You looked worried. Confusion is easier to fix early: ask now rather than after class.",
    ("online_class", "happy"): "You looked engaged. Keep notes of what worked so you can revise from them.",
    (
        "online_class",
        "neutral",
    ): "Mostly neutral can mean focus or drifting attention. Take short notes to stay active.",
    (
        "online_class",
        "sad",
    ): "You seemed low or tired. A five-minute break with movement helps attention more than pushing on.",
    (
        "online_class",
        "surprise",
    ): "Lots of surprise can signal new or unclear material. Review the previous lesson before the next.",
    (
        "meeting",
        "angry",
    ): "Frustration showed. Note the point that triggered it and raise it calmly once the speaker has finished.",
    (
        "meeting",
        "disgust",
    ): "Disapproval may have been visible to others. Phrase objections as questions: 'What if we...?'",
    ("meeting", "fear"): "You looked uneasy. Prepare one point you want to make and say it early.",
    ("meeting", "happy"): "You looked positive and open, which encourages others to contribute.",
    ("meeting", "neutral"): "Composed and attentive. Nod and react briefly so speakers know you follow.",
    (
        "meeting",
        "sad",
    ): "You looked disengaged or down. If the meeting is not relevant to you, ask whether you are needed.",
    ("meeting", "surprise"): "News surprised you. Ask for the material ahead of the next meeting.",
}

_TREND: dict[str, str] = {
    "angry": "Anger rose towards the end: notice when tension builds and plan a pause there.",
    "disgust": "Displeasure grew towards the end; check what changed at that point.",
    "fear": "Anxiety grew towards the end; fatigue makes nerves worse, so shorter sessions may help.",
    "happy": "You warmed up as the session went on: a short warm-up before you start may get you there sooner.",
    "neutral": "You settled into calm as the session went on.",
    "sad": "Your mood dropped towards the end; consider a break at that point next time.",
    "surprise": "More surprises came towards the end; the last part may need more preparation.",
}


@dataclass(frozen=True)
class Advice:
    """Tips for one session: why (dominant and trending emotions) and what to do."""

    scenario: str
    dominant: str | None
    trending: list[str]
    tips: list[str]


def scenario_key(scenario: str) -> str:
    """'Public Speaking' -> 'public_speaking'; a custom scenario keeps its own key and gets general tips."""
    return "_".join(scenario.strip().lower().replace("-", " ").split())


def advice_for(scenario: str, dominant: str | None, trending: Sequence[str] = ()) -> Advice:
    """Tips for a session: the scenario's tip for the dominant emotion, then one per trending emotion."""
    if dominant is None:
        return Advice(scenario, None, [], ["No faces were seen in this session, so there is no advice yet."])
    key = scenario_key(scenario)
    tips = [_TABLE.get((key, dominant)) or _GENERAL.get(dominant, _GENERAL["neutral"])]
    if key in SCENARIOS and dominant in _GENERAL:
        tips.append(_GENERAL[dominant])
    tips += [_TREND[e] for e in trending if e in _TREND and e != dominant][:2]
    return Advice(scenario, dominant, list(trending), tips)
