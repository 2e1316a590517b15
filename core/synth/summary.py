"""Render the PHI-free reference summary of an encounter from its clinical facts.

The summary spells out every abbreviation the note uses ("shortness of breath (SOB)",
"Coronary Artery Disease (CAD)") and covers presentation, history, diagnosis, medications
with doses, investigations and follow-up. No name, date or identifier ever enters; an age
over 89 is written as "over 89".

Each department writes in its own house style, as a hospital service's summary template
would: which phrasing each sentence takes, merged sentences, the order, and the list
punctuation. Across the corpus there are as many styles as departments, so a model cannot
memorise one fixed text; but the style follows from the record (its department, which the
model input shows), so a model can learn it. A phrasing drawn at random for every record
would be noise that no model could predict, and would cap every model's ROUGE far below
what it really learned.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from core.synth.clinical import ClinicalFacts

__all__ = [
    "DIAGNOSIS", "FOLLOWUP", "HISTORY", "HISTORY_NONE", "MEDICATIONS", "MERGED_DX_MEDS", "MERGED_TESTS_FU",
    "PRESENT_FOLLOWUP", "PRESENT_NEW", "TESTS", "HouseStyle", "all_phrases", "house_style", "render_summary",
    "summary_sources",
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


@dataclass(frozen=True)
class HouseStyle:
    """One department's summary template: an index into each phrase list, and the layout."""

    present_new: int
    present_followup: int
    subject: int
    history: int
    history_none: int
    diagnosis: int
    medications: int
    merged_dx_meds: int | None  # one sentence for diagnosis and medications, or two
    diagnosis_after_history: bool
    tests: int
    followup: int
    merged_tests_fu: int | None  # one sentence for tests and follow-up, or two
    tests_before_followup_only: bool  # tests right after the medications, follow-up last
    serial_comma: bool


@cache
def house_style(department: str) -> HouseStyle:
    """The house style of ``department``: the same in every run and on every machine."""
    rng = random.Random(zlib.crc32(department.encode("utf-8")))
    merged_dx = rng.random() < 0.2
    merged_fu = rng.random() < 0.25
    return HouseStyle(
        present_new=rng.randrange(len(PRESENT_NEW)), present_followup=rng.randrange(len(PRESENT_FOLLOWUP)),
        subject=rng.randrange(3), history=rng.randrange(len(HISTORY)), history_none=rng.randrange(len(HISTORY_NONE)),
        diagnosis=rng.randrange(len(DIAGNOSIS)), medications=rng.randrange(len(MEDICATIONS)),
        merged_dx_meds=rng.randrange(len(MERGED_DX_MEDS)) if merged_dx else None,
        diagnosis_after_history=rng.random() >= 0.3, tests=rng.randrange(len(TESTS)),
        followup=rng.randrange(len(FOLLOWUP)),
        merged_tests_fu=rng.randrange(len(MERGED_TESTS_FU)) if merged_fu else None,
        tests_before_followup_only=rng.random() < 0.2, serial_comma=rng.random() < 0.3,
    )


def _join(items: Sequence[str], serial_comma: bool) -> str:
    if len(items) <= 1:
        return "".join(items)
    last = ", and " if len(items) > 2 and serial_comma else " and "
    return ", ".join(items[:-1]) + last + items[-1]


def _subject(style: HouseStyle, sex: str, age: int) -> str:
    """An age-and-sex noun phrase without article; ages over 89 are never written."""
    noun, adj = ("woman", "female") if sex == "F" else ("man", "male")
    if age > 89:
        forms = (f"{noun} over 89 years of age", f"elderly {noun} (over 89)", f"{adj} patient older than 89")
    else:
        forms = (f"{age}-year-old {noun}", f"{age}-year-old {adj} patient", f"{noun} aged {age}")
    return forms[style.subject]


def _article(phrase: str) -> str:
    first = phrase.split("-")[0].split(" ")[0]
    vowel = first[:1] in "aeiou" or first.startswith("8") or first in ("11", "18")
    return ("an " if vowel else "a ") + phrase


#: The record fields each kind of summary sentence is written from (the generator's own
#: knowledge, for provenance benchmarks): presentation and history from the history note,
#: diagnosis and medications from their fields, investigations and follow-up from the plan.
_PRESENT_FIELDS = frozenset({"patient_history"})
_HISTORY_FIELDS = frozenset({"patient_history"})
_DIAGNOSIS_FIELDS = frozenset({"diagnosis"})
_MEDICATION_FIELDS = frozenset({"medications"})
_DX_MEDS_FIELDS = frozenset({"diagnosis", "medications"})
_PLAN_FIELDS = frozenset({"treatment_plan"})


def _plan(facts: ClinicalFacts, sex: str, age: int) -> list[tuple[str, frozenset[str]]]:
    """The summary's sentences, rendered and in order, each with the fields it is written from.

    :func:`render_summary` and :func:`summary_sources` both read this plan, so the text and
    its sources cannot drift apart.
    """
    style = house_style(facts.diagnosis.department)
    bare = _subject(style, sex, age)
    subj = _article(bare)
    values = {
        "Subj": _cap(subj), "subj": subj, "bare": bare,
        "sx": _join([s.expanded for s in facts.symptoms], style.serial_comma), "dur": facts.duration.summary,
        "hx": _join([c.expanded for c in facts.history], style.serial_comma), "dx": facts.diagnosis.title,
        "meds": _join([m.expanded for m in facts.medications], style.serial_comma),
        "tests": _join([t.expanded for t in facts.investigations], style.serial_comma),
        "verb": "were" if len(facts.investigations) > 1 else "was", "fu": facts.followup.summary,
    }
    values["Tests"] = _cap(values["tests"])
    present = PRESENT_FOLLOWUP[style.present_followup] if facts.followup_visit else PRESENT_NEW[style.present_new]
    history = HISTORY[style.history] if facts.history else HISTORY_NONE[style.history_none]
    clinical: list[tuple[str, frozenset[str]]]
    if style.merged_dx_meds is not None:
        clinical = [(history, _HISTORY_FIELDS), (MERGED_DX_MEDS[style.merged_dx_meds], _DX_MEDS_FIELDS)]
    else:
        clinical = [(history, _HISTORY_FIELDS), (DIAGNOSIS[style.diagnosis], _DIAGNOSIS_FIELDS),
                    (MEDICATIONS[style.medications], _MEDICATION_FIELDS)]
        if not style.diagnosis_after_history:
            clinical[0], clinical[1] = clinical[1], clinical[0]
    closing: list[tuple[str, frozenset[str]]]
    if style.merged_tests_fu is not None:
        closing = [(MERGED_TESTS_FU[style.merged_tests_fu], _PLAN_FIELDS)]
    else:
        closing = [(TESTS[style.tests], _PLAN_FIELDS), (FOLLOWUP[style.followup], _PLAN_FIELDS)]
        if style.tests_before_followup_only:
            clinical.append(closing.pop(0))
    return [(template.format(**values), fields)
            for template, fields in [(present, _PRESENT_FIELDS), *clinical, *closing]]


def render_summary(facts: ClinicalFacts, sex: str, age: int) -> str:
    """The reference summary of one encounter, in its department's house style."""
    return " ".join(sentence for sentence, _ in _plan(facts, sex, age))


def summary_sources(facts: ClinicalFacts, sex: str, age: int) -> list[tuple[str, frozenset[str]]]:
    """Each sentence of :func:`render_summary`'s summary, in order, with the record fields it
    was written from (``patient_history``, ``diagnosis``, ``medications``,
    ``treatment_plan``): the gold answer for sentence-level provenance."""
    return _plan(facts, sex, age)
