"""Mapping surrogates back to real values, in memory, for display."""

from __future__ import annotations

import pytest

from privacy.deid.engine import Deidentifier
from privacy.deid.mapback import restore, surrogate_originals, value_at

RECORD = {
    "id": "r-1", "patient_name": "Maria Lopez", "dob": "1957-03-02", "mrn": 4453321,
    "encounter": {"attending": "Julie Medina", "notes.v2": "Seen by Dr. Medina on 03/14/2023."},
    "patient_history": "Mrs. Lopez, 68 y/o F with HTN. Seen 03/14/2023 by Dr. Chen for SOB.",
    "contacts": [{"name": "Dennis Lopez", "phone": "299-588-8972"}],
}


@pytest.fixture
def mapped() -> tuple[dict, dict[str, str]]:
    engine = Deidentifier(secret=b"k" * 32)
    outcome = engine.deidentify(RECORD, "patient-1", strategy="surrogate")
    return outcome.record, surrogate_originals(RECORD, outcome.record, outcome.findings, engine.replacer("patient-1"))


def test_value_at_follows_dotted_paths_list_items_and_keys_with_dots() -> None:
    assert value_at(RECORD, "encounter.attending") == "Julie Medina"
    assert value_at(RECORD, "encounter.notes.v2").startswith("Seen by")
    assert value_at(RECORD, "contacts.0.phone") == "299-588-8972"
    assert value_at(RECORD, "contacts.3.phone") is None
    assert value_at(RECORD, "nope") is None


def test_every_surrogate_in_the_output_maps_back_to_its_real_value(mapped) -> None:
    out, mapping = mapped
    assert mapping[out["patient_name"]] == "Maria Lopez"
    assert mapping[str(out["mrn"])] == "4453321"  # an int field: what the output holds
    assert mapping[out["contacts"][0]["phone"]] == "299-588-8972"
    fake_last = out["patient_name"].split()[-1]
    assert mapping[fake_last] == "Lopez"  # a name word alone, as in "Mrs. Lopez"
    assert fake_last in out["patient_history"]
    history_back = restore(out["patient_history"], mapping)
    assert history_back == RECORD["patient_history"]


def test_restore_replaces_whole_words_in_one_pass() -> None:
    mapping = {"Smith": "Lopez", "Jo Smith": "Maria Lopez", "Lopez": "Kent"}
    assert restore("Jo Smith saw Smith; Smithson stays.", mapping) == "Maria Lopez saw Lopez; Smithson stays."
    assert restore("", mapping) == "" and restore("Smith", {}) == "Smith"


def test_ambiguous_or_identical_surrogates_are_left_out() -> None:
    engine = Deidentifier(secret=b"k" * 32)
    record = {"id": "r-2", "notes": "Patient aged 93. Brother aged 97 attends."}
    outcome = engine.deidentify(record, "p", strategy="surrogate")
    assert outcome.record["notes"].count("90+") == 2
    assert "90+" not in surrogate_originals(record, outcome.record, outcome.findings, engine.replacer("p"))
    assert restore(outcome.record["notes"], {}) == outcome.record["notes"]


@pytest.mark.parametrize("key", range(40))
def test_initials_never_map_back_letter_by_letter(key: int) -> None:
    """ "A.F." becomes initials such as "F.C."; mapping "F" back to "A" would turn the note's
    "F/C" (fevers and chills) into "A/C". Only the whole initials map back."""
    engine = Deidentifier(secret=key.to_bytes(32, "big"))
    record = {"id": "r-3", "patient_name": "Ann Frazier", "patient_history": "Pt ID verified (A.F.). c/o F/C, SOB."}
    outcome = engine.deidentify(record, "p", strategy="surrogate")
    mapping = surrogate_originals(record, outcome.record, outcome.findings, engine.replacer("p"))
    assert all(len(fake) > 1 for fake in mapping)
    assert restore(outcome.record["patient_history"], mapping) == record["patient_history"]


def test_the_replacer_needs_a_secret() -> None:
    with pytest.raises(ValueError, match="secret"):
        Deidentifier().replacer("p")
