"""The protect-list of medical vocabulary: eponyms, drugs, units and clinical abbreviations."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from core.synth import lexicon
from privacy.deid.protect import (
    ABBREVIATIONS,
    DRUGS,
    EPONYMS,
    PROTECTED_TERMS,
    UNITS,
    in_eponym_context,
    is_eponym,
    is_protected,
)

_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9'/-]*")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def test_every_synthetic_medication_is_protected() -> None:
    for med in lexicon.MEDICATIONS:
        assert is_protected(med.generic), med.generic
        for token in _tokens(med.generic) + ([med.abbrev] if med.abbrev else []):
            assert is_protected(token), token


def test_every_synthetic_condition_is_protected() -> None:
    for cond in lexicon.CONDITIONS:
        assert is_protected(cond.name), cond.name
        for token in _tokens(cond.name) + ([cond.abbrev] if cond.abbrev else []):
            assert is_protected(token), token


def test_every_synthetic_abbreviation_and_eponym_is_protected() -> None:
    for term in lexicon.SYMPTOMS + lexicon.INVESTIGATIONS:
        if term.abbrev:
            assert is_protected(term.abbrev), term.abbrev
    for surname in lexicon.EPONYM_SURNAMES:
        assert is_eponym(surname) and is_protected(surname), surname


@pytest.mark.parametrize("token", [
    "Parkinson's", "PARKINSON'S", "parkinson", "Graves'", "Hodgkin", "Alzheimer’s", "Guillain-Barre",
    "Epstein-Barr", "Tay-Sachs", "carbidopa-levodopa", "Lisinopril", "ELIQUIS", "mg", "mmHg", "bpm", "SOB",
    "AFib", "DM2", "NTG", "PRN", "GAD-7", "CT A/P", "insulin glargine", "Foley", "Murphy", "Wilson",
])
def test_protected_tokens(token: str) -> None:
    assert is_protected(token)


@pytest.mark.parametrize("token", ["Smith", "Linda", "Healey", "Smith-Jones", "Gutierrez", "Chen", "Christopher"])
def test_names_are_not_protected(token: str) -> None:
    assert not is_protected(token)


def test_terms_are_lower_case_and_the_drug_list_is_broad() -> None:
    assert isinstance(PROTECTED_TERMS, frozenset)
    assert all(term == term.lower() for term in PROTECTED_TERMS)
    assert len(DRUGS) >= 500
    assert {"mg", "mcg", "ml", "mmhg"} <= UNITS
    assert {"htn", "chf", "copd", "cad", "prn", "bid"} <= ABBREVIATIONS
    assert {"parkinson", "hodgkin", "alzheimer", "crohn", "graves", "hashimoto", "bell"} <= EPONYMS
    lines = [line.strip() for line in resources.files("privacy.deid").joinpath("data/drugs.txt")
             .read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
    assert len(lines) == len(set(lines)), "duplicate drug names"
    assert all(line == line.lower() for line in lines)


def _ctx(text: str, token: str) -> bool:
    start = text.index(token)
    return in_eponym_context(text, start, start + len(token))


@pytest.mark.parametrize(("text", "token"), [
    ("Graves' disease s/p RAI", "Graves"),
    ("Parkinson's disease with tremor", "Parkinson"),
    ("hx of Hodgkin lymphoma", "Hodgkin"),
    ("Bell's palsy 2010", "Bell"),
    ("Murphy sign negative", "Murphy"),
    ("Hashimoto's thyroiditis", "Hashimoto"),
    ("Barrett's esophagus", "Barrett"),
    ("non-Hodgkin lymphoma", "Hodgkin"),
    ("his Parkinson's is worse", "Parkinson"),
    ("grade IV Hawkins fracture", "Hawkins"),
    ("history of Morton's neuromas", "Morton"),
    ("Wells score 2", "Wells"),
])
def test_eponym_in_medical_context(text: str, token: str) -> None:
    assert _ctx(text, token)


@pytest.mark.parametrize(("text", "token"), [
    ("Dr. Graves called", "Graves"),
    ("Linda Wilson called back", "Wilson"),
    ("seen by Murphy today", "Murphy"),
    ("Smith will follow", "Smith"),
])
def test_eponym_out_of_medical_context(text: str, token: str) -> None:
    assert not _ctx(text, token)
