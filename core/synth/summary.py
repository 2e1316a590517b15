"""Render the PHI-free reference summary of an encounter from its clinical facts.

The summary spells out every abbreviation the note uses ("shortness of breath (SOB)",
"Coronary Artery Disease (CAD)") and covers presentation, history, diagnosis, medications
with doses, investigations and follow-up. Several phrasings per sentence, merged sentences
and a varying order keep a model from memorising one fixed text. No name, date or
identifier ever enters; an age over 89 is written as "over 89".
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from core.synth.clinical import ClinicalFacts

__all__ = [
    "DIAGNOSIS", "FOLLOWUP", "HISTORY", "HISTORY_NONE", "MEDICATIONS", "MERGED_DX_MEDS", "MERGED_TESTS_FU",
    "PRESENT_FOLLOWUP", "PRESENT_NEW", "TESTS", "all_phrases", "render_summary",
]

PRESENT_NEW: tuple[str, ...] = (
    "{Subj} presented with {sx} {dur}.",
    "The patient, {subj}, presented with {sx} {dur}.",
    "{Subj} was seen for {sx} {dur}.",
    "Presenting complaint: {sx} {dur} in {subj}.",
    "Chief complaint was {sx} {dur} in {subj}.",
    "{Subj} reported {sx} {dur}.",
    "This {bare} came in with {sx} {dur}.",
)
PRESENT_FOLLOWUP: tuple[str, ...] = (
    "{Subj} returned for follow-up, reporting {sx} {dur}.",
    "At a follow-up visit, {subj} reported {sx} {dur}.",
    "Follow-up visit for {subj} with {sx} {dur}.",
    "This {bare} was seen again for {sx} {dur}.",
)
HISTORY: tuple[str, ...] = (
    "Past medical history includes {hx}.",
    "History is notable for {hx}.",
    "Relevant history: {hx}.",
    "Comorbidities include {hx}.",
    "The patient has a history of {hx}.",
    "Known conditions include {hx}.",
)
HISTORY_NONE: tuple[str, ...] = (
    "No significant past medical history.",
    "Past medical history is unremarkable.",
    "No relevant comorbidities were reported.",
)
DIAGNOSIS: tuple[str, ...] = (
    "Diagnosis: {dx}.",
    "The working diagnosis is {dx}.",
    "Assessment was consistent with {dx}.",
    "The patient was diagnosed with {dx}.",
    "Findings support a diagnosis of {dx}.",
    "Primary diagnosis: {dx}.",
)
MEDICATIONS: tuple[str, ...] = (
    "Medications: {meds}.",
    "Treatment includes {meds}.",
    "The patient was prescribed {meds}.",
    "Medications started or continued: {meds}.",
    "Pharmacologic therapy consists of {meds}.",
)
MERGED_DX_MEDS: tuple[str, ...] = (
    "Diagnosed with {dx} and started on {meds}.",
    "For {dx}, the plan includes {meds}.",
)
TESTS: tuple[str, ...] = (
    "Workup includes {tests}.",
    "Ordered studies: {tests}.",
    "Planned investigations are {tests}.",
    "Further evaluation with {tests} was requested.",
    "{Tests} {verb} ordered.",
)
FOLLOWUP: tuple[str, ...] = (
    "Follow-up in {fu}.",
    "The patient should follow up in {fu}.",
    "A return visit is planned in {fu}.",
    "Plan: follow-up in {fu} to review results.",
    "Scheduled to return in {fu}.",
)
MERGED_TESTS_FU: tuple[str, ...] = (
    "Follow-up in {fu} with results of {tests}.",
    "Plan: {tests}, then follow-up in {fu}.",
)


def all_phrases() -> tuple[str, ...]:
    """Every summary template, for vocabulary checks and tests."""
    return (PRESENT_NEW + PRESENT_FOLLOWUP + HISTORY + HISTORY_NONE + DIAGNOSIS + MEDICATIONS + MERGED_DX_MEDS
            + TESTS + FOLLOWUP + MERGED_TESTS_FU)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _join(items: Sequence[str], rng: random.Random) -> str:
    if len(items) <= 1:
        return "".join(items)
    last = ", and " if len(items) > 2 and rng.random() < 0.3 else " and "
    return ", ".join(items[:-1]) + last + items[-1]


def _subject(rng: random.Random, sex: str, age: int) -> str:
    """An age-and-sex noun phrase without article; ages over 89 are never written."""
    noun, adj = ("woman", "female") if sex == "F" else ("man", "male")
    if age > 89:
        return rng.choice((f"{noun} over 89 years of age", f"elderly {noun} (over 89)", f"{adj} patient older than 89"))
    return rng.choice((f"{age}-year-old {noun}", f"{age}-year-old {adj} patient", f"{noun} aged {age}"))


def _article(phrase: str) -> str:
    first = phrase.split("-")[0].split(" ")[0]
    vowel = first[:1] in "aeiou" or first.startswith("8") or first in ("11", "18")
    return ("an " if vowel else "a ") + phrase


def render_summary(rng: random.Random, facts: ClinicalFacts, sex: str, age: int) -> str:
    """The reference summary of one encounter."""
    bare = _subject(rng, sex, age)
    subj = _article(bare)
    values = {
        "Subj": _cap(subj), "subj": subj, "bare": bare,
        "sx": _join([s.expanded for s in facts.symptoms], rng), "dur": facts.duration.summary,
        "hx": _join([c.expanded for c in facts.history], rng), "dx": facts.diagnosis.title,
        "meds": _join([m.expanded for m in facts.medications], rng),
        "tests": _join([t.expanded for t in facts.investigations], rng),
        "verb": "were" if len(facts.investigations) > 1 else "was", "fu": facts.followup.summary,
    }
    values["Tests"] = _cap(values["tests"])
    present = rng.choice(PRESENT_FOLLOWUP if facts.followup_visit else PRESENT_NEW)
    history = rng.choice(HISTORY if facts.history else HISTORY_NONE)
    if rng.random() < 0.2:
        clinical = [history, rng.choice(MERGED_DX_MEDS)]
    else:
        clinical = [history, rng.choice(DIAGNOSIS), rng.choice(MEDICATIONS)]
        if rng.random() < 0.3:
            clinical[0], clinical[1] = clinical[1], clinical[0]
    if rng.random() < 0.25:
        closing = [rng.choice(MERGED_TESTS_FU)]
    else:
        closing = [rng.choice(TESTS), rng.choice(FOLLOWUP)]
        if rng.random() < 0.2:
            clinical.append(closing.pop(0))
    return " ".join(template.format(**values) for template in [present, *clinical, *closing])
