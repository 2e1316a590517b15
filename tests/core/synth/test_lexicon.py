"""The clinical lexicon: breadth, abbreviation/expansion pairs, references that resolve."""

from __future__ import annotations

import dataclasses

import pytest

from core.synth import lexicon as lx


def test_breadth() -> None:
    assert len(lx.CONDITIONS) >= 25
    assert len(lx.MEDICATIONS) >= 30
    assert len(lx.SYMPTOMS) >= 20
    assert len(lx.INVESTIGATIONS) >= 20
    assert len(lx.EPONYM_CONDITIONS) == 10


@pytest.mark.parametrize("abbrev, name", [
    ("CAD", "coronary artery disease"), ("HTN", "hypertension"), ("DM2", "type 2 diabetes mellitus"),
    ("CHF", "congestive heart failure"), ("COPD", "chronic obstructive pulmonary disease"),
    ("AFib", "atrial fibrillation"), ("CKD", "chronic kidney disease"), ("GERD", "gastroesophageal reflux disease"),
    ("MI", "myocardial infarction"), ("PE", "pulmonary embolism"), ("DVT", "deep vein thrombosis"),
    ("UTI", "urinary tract infection"), ("CVA", "cerebrovascular accident"),
])
def test_condition_abbreviations(abbrev: str, name: str) -> None:
    cond = lx.condition(abbrev)
    assert cond.name == name
    assert cond.expanded == f"{name} ({abbrev})"


def test_terms_and_medications() -> None:
    assert lx.symptom("SOB").expanded == "shortness of breath (SOB)"
    assert lx.symptom("CP").expansion == "chest pain"
    assert lx.symptom("N/V").expansion == "nausea and vomiting"
    assert lx.symptom("DOE").expansion == "dyspnea on exertion"
    for key in ("ECG", "LDL", "BP", "CBC", "BMP", "HbA1c", "CXR", "echo"):
        assert lx.investigation(key).expansion
    assert lx.medication("ASA").generic == "aspirin" and lx.medication("ASA").order == "ASA 81 mg daily"
    assert lx.medication("NTG").generic == "nitroglycerin"
    for generic in ("metoprolol", "lisinopril", "metformin", "atorvastatin"):
        assert lx.medication(generic).dose
    assert lx.condition("CAD").title == "Coronary Artery Disease (CAD)"
    assert lx.condition("Graves' disease").title == "Graves' Disease"


def test_every_reference_resolves_and_keys_are_unique() -> None:
    for table in (lx.CONDITIONS, lx.SYMPTOMS, lx.INVESTIGATIONS, lx.MEDICATIONS):
        keys = [item.key for item in table]
        assert len(keys) == len(set(keys))
    for cond in lx.CONDITIONS:
        assert cond.symptoms and cond.investigations and cond.medications
        for key in cond.symptoms:
            lx.symptom(key)
        for key in cond.investigations:
            lx.investigation(key)
        for key in cond.medications:
            lx.medication(key)
        if cond.eponym:
            assert cond.name.startswith(cond.eponym)


def test_entries_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        lx.CONDITIONS[0].name = "x"  # type: ignore[misc]
