"""Generate a synthetic corpus: patients with 1-5 encounters each, one record per encounter.

Each record has structured PHI (some of it nested), free-text fields with PHI in many
surface forms, clinical content from the lexicon and a PHI-free reference summary of the
same clinical facts. Every PHI value written is covered by a gold span. The output depends
only on ``(n, seed)``: one ``random.Random(seed)`` and one seeded Faker, nothing global.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from core.synth.clinical import ClinicalFacts, sample_facts, sample_history
from core.synth.context import NoteContext
from core.synth.corpus import SyntheticCorpus
from core.synth.formats import PHONE_STYLES, age_on, format_phone
from core.synth.notes import render_history, render_notes, render_plan
from core.synth.people import Clinician, Facility, Patient, PeopleFactory
from core.synth.spans import GoldSpan, field_spans, structured_spans
from core.synth.summary import summary_sources
from core.synth.vocab import reserved_words
from core.synth.world import Encounter, World, build_world

__all__ = ["generate_corpus"]

_FIRST_VISIT = date(2015, 1, 1)
_LAST_VISIT = date(2025, 6, 30)
_OVER_89_SHARE = 0.12


@dataclass(frozen=True)
class _Profile:
    """A patient and which optional fields their records show (the same on every record)."""

    patient: Patient
    fields: frozenset[str]
    fax_style: str
    contacts: tuple[dict[str, str], ...]
    doctor: Clinician
    facility: Facility


def _dob_for_age(rng: random.Random, on: date, age: int) -> date:
    """A birth date that makes the patient exactly ``age`` on ``on``."""
    def years_before(d: date, years: int) -> date:
        try:
            return d.replace(year=d.year - years)
        except ValueError:  # 29 February
            return d.replace(year=d.year - years, day=28)
    latest = years_before(on, age)
    earliest = years_before(on, age + 1) + timedelta(days=1)
    return earliest + timedelta(days=rng.randint(0, (latest - earliest).days))


def _profile(rng: random.Random, factory: PeopleFactory, world: World, first_visit: date) -> _Profile:
    age = rng.randint(90, 99) if rng.random() < _OVER_89_SHARE else round(rng.triangular(18, 89, 66))
    patient = factory.patient(_dob_for_age(rng, first_visit, age), world.insurers)
    wanted = {"ssn": 0.75, "phone": 0.9, "fax": 0.2, "email": 0.55, "address": 0.85, "insurance": 0.75}
    fields = frozenset(name for name, share in wanted.items() if rng.random() < share)
    n_contacts = min(len(patient.relatives), rng.choice((0, 1, 1, 2, 2)))
    contacts = tuple(
        {"name": r.person.full, "relation": r.relation, "phone": format_phone(r.phone, rng.choice(PHONE_STYLES))}
        for r in patient.relatives[:n_contacts]
    )
    return _Profile(patient, fields, rng.choice(PHONE_STYLES), contacts, rng.choice(world.physicians),
                    rng.choice(world.facilities))


def _account(rng: random.Random) -> str:
    pick = rng.randrange(3)
    if pick == 0:
        return f"ACC-{rng.randint(10000, 999999)}"
    if pick == 1:
        return f"A{rng.randint(10_000_000, 99_999_999)}"
    return f"ENC{rng.randint(1_000_000, 9_999_999)}"


def _structured(rid: str, prof: _Profile, enc: Encounter, with_account: bool) -> dict[str, Any]:
    """The record's identifier fields, in a stable key order."""
    p = prof.patient
    record: dict[str, Any] = {"id": rid, "patient_name": p.person.full, "dob": p.dob.isoformat(), "mrn": p.mrn}
    if "ssn" in prof.fields:
        record["ssn"] = p.ssn
    if "phone" in prof.fields:
        record["phone"] = format_phone(p.phone, p.phone_style)
    if "fax" in prof.fields:
        record["fax"] = format_phone(p.fax, prof.fax_style)
    if "email" in prof.fields:
        record["email"] = p.email
    if "address" in prof.fields:
        a = p.address
        record["address"] = {"street": a.street, "city": a.city, "state": a.state, "zip": a.zip}
    if "insurance" in prof.fields:
        record["insurance"] = {"provider": p.insurer, "member_id": p.member_id}
    if prof.contacts:
        record["contacts"] = [dict(c) for c in prof.contacts]
    encounter = {"date": enc.when.isoformat(), "facility": enc.facility.name, "attending": enc.attending.person.full,
                 "department": enc.facts.diagnosis.department}
    if with_account:
        encounter["account_number"] = enc.account
    record["encounter"] = encounter
    return record


def _record(
    rng: random.Random, rid: str, prof: _Profile, enc: Encounter, world: World
) -> tuple[dict[str, Any], list[GoldSpan], list[tuple[str, frozenset[str]]]]:
    """One record, its gold spans and its summary's sentences with the fields each came from."""
    record = _structured(rid, prof, enc, rng.random() < 0.85)
    ctx = NoteContext(rng, enc, world)
    history, plan = render_history(ctx), render_plan(ctx)
    notes = render_notes(ctx) if rng.random() < 0.45 else None
    record["patient_history"] = history.text
    record["diagnosis"] = enc.facts.diagnosis.written
    record["medications"] = [m.order for m in enc.facts.medications]
    record["treatment_plan"] = plan.text
    if notes is not None:
        record["notes"] = notes.text
    sources = summary_sources(enc.facts, prof.patient.person.sex, enc.age)
    record["summary"] = " ".join(sentence for sentence, _ in sources)  # render_summary's text
    spans = structured_spans(rid, record)
    spans += field_spans(rid, "patient_history", history.text, history.spans)
    spans += field_spans(rid, "treatment_plan", plan.text, plan.spans)
    if notes is not None:
        spans += field_spans(rid, "notes", notes.text, notes.spans)
    return record, spans, sources


def generate_corpus(n: int, seed: int) -> SyntheticCorpus:
    """``n`` synthetic records with gold PHI spans, fully determined by ``(n, seed)``.

    Patients get 1 to 5 encounters in chronological order (the last patient may get
    fewer so the count is exact). Raises ValueError when ``n < 1``.
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"n must be an int, got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    rng = random.Random(seed)
    factory = PeopleFactory(seed, rng, reserved_words())
    world = build_world(factory, rng, n)
    records: list[dict[str, Any]] = []
    gold: list[GoldSpan] = []
    sources: list[list[tuple[str, frozenset[str]]]] = []
    while len(records) < n:
        visits = min(rng.choices((1, 2, 3, 4, 5), weights=(15, 25, 25, 20, 15))[0], n - len(records))
        gaps = [rng.randint(14, 400) for _ in range(visits - 1)]
        when = _FIRST_VISIT + timedelta(days=rng.randint(0, (_LAST_VISIT - _FIRST_VISIT).days - sum(gaps)))
        prof = _profile(rng, factory, world, when)
        chronic = sample_history(rng)
        previous: ClinicalFacts | None = None
        for visit in range(visits):
            if visit:
                when += timedelta(days=gaps[visit - 1])
            facts = sample_facts(rng, chronic, previous)
            attending = prof.doctor if rng.random() < 0.7 else rng.choice(world.physicians)
            facility = prof.facility if rng.random() < 0.75 else rng.choice(world.facilities)
            age = age_on(prof.patient.dob, when)
            enc = Encounter(prof.patient, when, age, facility, attending, _account(rng), facts)
            record, spans, summary_plan = _record(rng, f"r-{len(records) + 1:06d}", prof, enc, world)
            records.append(record)
            gold.extend(spans)
            sources.append(summary_plan)
            previous = facts
    return SyntheticCorpus(records, gold, sources)
