"""Sample the clinical facts of one encounter from the lexicon.

The same :class:`ClinicalFacts` feed both the note (abbreviated) and the reference summary
(expanded), so a model can learn the summary from the note.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from core.synth.lexicon import (
    CONDITIONS, Condition, Investigation, Medication, Symptom, investigation, medication, symptom,
)

__all__ = ["ACUTE_ONLY", "ClinicalFacts", "Duration", "FollowUp", "Vitals", "sample_facts", "sample_history"]


@dataclass(frozen=True)
class Duration:
    """How long symptoms have lasted: as a note writes it and as a summary says it."""

    note: str
    summary: str


@dataclass(frozen=True)
class FollowUp:
    """The follow-up interval in days, as a note writes it and as a summary says it."""

    days: int
    note: str
    summary: str


@dataclass(frozen=True)
class Vitals:
    """Vital signs (never PHI)."""

    systolic: int
    diastolic: int
    heart_rate: int
    spo2: int
    temp_c: float

    @property
    def text(self) -> str:
        """Note form, e.g. ``BP 142/88, HR 92, SpO2 95% RA, T 37.1 C``."""
        return (f"BP {self.systolic}/{self.diastolic}, HR {self.heart_rate}, "
                f"SpO2 {self.spo2}% RA, T {self.temp_c:.1f} C")


@dataclass(frozen=True)
class ClinicalFacts:
    """What happened clinically at one encounter."""

    diagnosis: Condition
    history: tuple[Condition, ...]
    symptoms: tuple[Symptom, ...]
    duration: Duration
    medications: tuple[Medication, ...]
    investigations: tuple[Investigation, ...]
    followup: FollowUp
    vitals: Vitals
    followup_visit: bool  # a later visit that the note and the summary present as a follow-up


DURATIONS: tuple[Duration, ...] = (
    Duration("x3d", "for 3 days"), Duration("x 2 days", "for 2 days"), Duration("for 1 wk", "for 1 week"),
    Duration("x2 wks", "for 2 weeks"), Duration("since yesterday", "since the previous day"),
    Duration("x 1 mo", "for 1 month"), Duration("for several days", "for several days"),
    Duration("x 6h", "for 6 hours"), Duration("x4d", "for 4 days"), Duration("for 3 mos", "for 3 months"),
    Duration("since this AM", "since that morning"), Duration("x 10 days", "for 10 days"),
)

FOLLOWUPS: tuple[FollowUp, ...] = (
    FollowUp(7, "1 wk", "1 week"), FollowUp(14, "2 wks", "2 weeks"), FollowUp(21, "3 wks", "3 weeks"),
    FollowUp(28, "4 wks", "4 weeks"), FollowUp(42, "6 wks", "6 weeks"), FollowUp(60, "2 mos", "2 months"),
    FollowUp(91, "3 mos", "3 months"), FollowUp(182, "6 mos", "6 months"),
)


# Acute problems that make a diagnosis but not a chronic past medical history.
ACUTE_ONLY: frozenset[str] = frozenset(
    {"CAP", "UTI", "DKA", "acute pancreatitis", "cellulitis", "Bell's palsy", "GIB"}
)
_CHRONIC: tuple[Condition, ...] = tuple(c for c in CONDITIONS if c.key not in ACUTE_ONLY)


def sample_history(rng: random.Random) -> tuple[Condition, ...]:
    """A patient's chronic past medical history: 0 to 3 conditions."""
    count = rng.choices((0, 1, 2, 3), weights=(15, 35, 30, 20))[0]
    return tuple(rng.sample(_CHRONIC, count))


def _vitals(rng: random.Random) -> Vitals:
    return Vitals(rng.randint(102, 178), rng.randint(58, 88), rng.randint(56, 118), rng.randint(88, 100),
                  round(rng.uniform(36.2, 38.9), 1))


def sample_facts(rng: random.Random, history: tuple[Condition, ...], previous: ClinicalFacts | None) -> ClinicalFacts:
    """The facts of one encounter for a patient with ``history``.

    A follow-up encounter (``previous`` given) often revisits the previous diagnosis.
    """
    if previous is not None and rng.random() < 0.5:
        diagnosis = previous.diagnosis
    elif history and rng.random() < 0.3:
        diagnosis = rng.choice(history)
    else:
        diagnosis = rng.choice(CONDITIONS)
    others = tuple(c for c in history if c is not diagnosis)
    sx_keys = rng.sample(diagnosis.symptoms, rng.randint(1, min(3, len(diagnosis.symptoms))))
    test_keys = rng.sample(diagnosis.investigations, rng.randint(1, min(3, len(diagnosis.investigations))))
    med_keys = rng.sample(diagnosis.medications, rng.randint(1, min(3, len(diagnosis.medications))))
    for cond in others:
        if rng.random() < 0.5:
            extra = rng.choice(cond.medications)
            if extra not in med_keys:
                med_keys.append(extra)
    return ClinicalFacts(
        diagnosis=diagnosis,
        history=others,
        symptoms=tuple(symptom(k) for k in sx_keys),
        duration=rng.choice(DURATIONS),
        medications=tuple(medication(k) for k in med_keys[:5]),
        investigations=tuple(investigation(k) for k in test_keys),
        followup=rng.choice(FOLLOWUPS),
        vitals=_vitals(rng),
        followup_visit=previous is not None and rng.random() < 0.8,
    )
