"""The shared cast of a synthetic corpus (facilities, clinicians, insurers) and one encounter.

A corpus has a fixed pool of facilities and clinicians that patients share, as in a real
health system. A few clinicians get eponym surnames ("Dr. Parkinson") on purpose: those are
names, while "Parkinson's disease" in the same corpus is not.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from core.synth.clinical import ClinicalFacts
from core.synth.lexicon import EPONYM_SURNAMES
from core.synth.people import Clinician, Facility, Patient, PeopleFactory

__all__ = ["INSURERS", "Encounter", "World", "build_world"]

INSURERS: tuple[str, ...] = (
    "Blue Cross Blue Shield", "Aetna", "Cigna", "UnitedHealthcare", "Humana", "Medicare", "Medicaid",
    "Anthem", "Tricare", "Oscar Health",
)


@dataclass(frozen=True)
class World:
    """Facilities and clinicians shared by all patients of a corpus."""

    facilities: tuple[Facility, ...]
    doctors: tuple[Clinician, ...]  # MD, NP and PA
    nurses: tuple[Clinician, ...]
    insurers: tuple[str, ...] = INSURERS

    @cached_property
    def physicians(self) -> tuple[Clinician, ...]:
        """The doctors with role MD (the ones a note calls "Dr.")."""
        return tuple(d for d in self.doctors if d.role == "MD")


@dataclass(frozen=True)
class Encounter:
    """One visit of a patient: everything a record and its notes are rendered from."""

    patient: Patient
    when: date
    age: int
    facility: Facility
    attending: Clinician
    account: str
    facts: ClinicalFacts


def build_world(factory: PeopleFactory, rng: random.Random, n: int) -> World:
    """A cast sized for ``n`` records, with three eponym-surname doctors among the doctors."""
    facilities = tuple(factory.facility() for _ in range(min(60, 6 + n // 100)))
    doctors = [factory.clinician(rng.choice(("MD", "MD", "MD", "NP", "PA"))) for _ in range(min(400, 24 + n // 20))]
    for surname in rng.sample(EPONYM_SURNAMES, 3):
        doctors.insert(rng.randrange(len(doctors) + 1), factory.clinician("MD", surname=surname))
    nurses = tuple(factory.clinician("RN") for _ in range(min(300, 12 + n // 30)))
    return World(facilities, tuple(doctors), nurses)
