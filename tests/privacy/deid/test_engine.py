"""The de-identification engine on whole records: structured fields, free text, strategies,
consistency within a patient, date shifts and the JSON structure."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from privacy.deid.engine import Deidentifier
from privacy.deid.settings import DeidSettings

SECRET = b"s" * 32

RECORD = {
    "id": "r-0001",
    "patientName": "Maria Lopez",
    "dob": "1957-03-02",
    "mrn": 4453321,
    "age": 66,
    "address": {"street": "12 Oak Street", "city": "Springfield", "state": "IL", "zip": "62704"},
    "contacts": [{"name": "Linda Lopez", "relation": "daughter", "phone": "555.987.6543"}],
    "encounter": {"date": "2023-03-14", "department": "Cardiology"},
    "misc": {"ref": "123-45-6789", "contact_mail": "maria.lopez@gmail.com"},
    "patient_history": "68 y/o F with HTN, DM2. Seen 03/14/2023 for SOB; MARIA LOPEZ reports Parkinson's disease "
                       "in her father. Daughter Linda called from 555-987-6543.",
    "summary": "Shortness of breath (SOB).",
}


def _engine(**settings: object) -> Deidentifier:
    return Deidentifier(DeidSettings(**settings), secret=SECRET)


def _leaves(value: object) -> list[object]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _leaves(v)]
    if isinstance(value, list):
        return [x for v in value for x in _leaves(v)]
    return [value]


def test_redact_removes_structured_and_free_text_phi() -> None:
    out = _engine().deidentify(RECORD, "p1", strategy="redact").record
    text = json.dumps(out)
    for value in ("Maria", "Lopez", "LOPEZ", "Linda", "4453321", "1957-03-02", "Oak", "Springfield", "62704",
                  "987", "123-45-6789", "gmail", "03/14/2023", "2023-03-14"):
        assert value not in text, value
    assert out["patientName"] == "[NAME]"
    assert out["contacts"][0]["name"] == "[NAME]"
    assert out["misc"]["ref"] == "[SSN]"  # by value shape, whatever the key
    assert out["misc"]["contact_mail"] == "[EMAIL]"


def test_medical_vocabulary_and_non_phi_fields_stay() -> None:
    out = _engine().deidentify(RECORD, "p1", strategy="redact").record
    assert "Parkinson's disease" in out["patient_history"]
    assert "HTN, DM2" in out["patient_history"] and "SOB" in out["patient_history"]
    assert out["address"]["state"] == "IL"
    assert out["contacts"][0]["relation"] == "daughter"
    assert out["encounter"]["department"] == "Cardiology"
    assert out["id"] == "r-0001"
    assert out["age"] == 66
    assert out["summary"] == RECORD["summary"]


def test_structure_is_kept() -> None:
    out = _engine().deidentify(RECORD, "p1").record

    def shape(v: object) -> object:
        if isinstance(v, dict):
            return {k: shape(x) for k, x in v.items()}
        if isinstance(v, list):
            return [shape(x) for x in v]
        return type(v).__name__

    assert shape(out) == shape(RECORD)
    assert RECORD["patientName"] == "Maria Lopez"  # the input is not modified


def test_surrogates_keep_format() -> None:
    out = _engine().deidentify(RECORD, "p1").record
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", out["dob"])
    assert re.fullmatch(r"\d{3}\.\d{3}\.\d{4}", out["contacts"][0]["phone"])
    assert re.fullmatch(r"\d{3}-\d{2}-\d{4}", out["misc"]["ref"])
    assert re.fullmatch(r"\d{5}", out["address"]["zip"])
    assert re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+", out["patientName"]) and out["patientName"] != "Maria Lopez"
    assert isinstance(out["mrn"], int) and len(str(out["mrn"])) == 7 and out["mrn"] != 4453321
    assert re.search(r"\d{3}-\d{3}-\d{4}", out["patient_history"])


def test_surrogates_consistent_within_patient_and_runs() -> None:
    engine = _engine()
    a = engine.deidentify(RECORD, "p1").record
    b = engine.deidentify({**RECORD, "id": "r-0002"}, "p1").record
    again = _engine().deidentify(RECORD, "p1").record
    assert a["patientName"] == b["patientName"] == again["patientName"]
    last = a["patientName"].split()[1]
    assert a["contacts"][0]["name"].endswith(last)  # "Lopez" maps to the same surrogate everywhere
    assert last.upper() in a["patient_history"]  # and keeps the case it had
    other_secret = Deidentifier(DeidSettings(), secret=b"t" * 32).deidentify(RECORD, "p1").record
    assert other_secret["patientName"] != a["patientName"]


def test_date_shift_keeps_intervals_and_is_per_patient() -> None:
    engine = _engine()
    out = engine.deidentify(RECORD, "p1").record
    dob, visit = date.fromisoformat(out["dob"]), date.fromisoformat(out["encounter"]["date"])
    assert (visit - dob) == (date(2023, 3, 14) - date(1957, 3, 2))
    assert out["dob"] != RECORD["dob"]
    shift = (visit - date(2023, 3, 14)).days
    assert 1 <= abs(shift) <= 365
    text_date = re.search(r"Seen (\d{2})/(\d{2})/(\d{4})", out["patient_history"])
    assert text_date is not None
    m, d, y = map(int, text_date.groups())
    assert date(y, m, d) == visit  # the free-text date moved by the same offset
    others = {engine.deidentify(RECORD, f"p{i}").record["dob"] for i in range(8)}
    assert len(others) > 1


def test_ages_over_89_become_90_plus() -> None:
    record = {"id": "r", "age": 93, "note": "93 y/o M; daughter is 61 years old"}
    out = _engine().deidentify(record, "p").record
    assert out["age"] == "90+"
    assert out["note"].startswith("90+ y/o M") and "61 years old" in out["note"]


def test_key_map_override_and_record_id() -> None:
    record = {"id": "r-9", "bed": "A12-4", "site": "Springfield", "note": "stable"}
    out = _engine(key_map={"bed": "ID", "site": "none"}).deidentify(record, "p", strategy="redact").record
    assert out == {"id": "r-9", "bed": "[ID]", "site": "Springfield", "note": "stable"}


def test_findings_point_at_original_offsets() -> None:
    outcome = _engine().deidentify(RECORD, "p1", strategy="redact")
    by_path = [f for f in outcome.findings if f.path == "patient_history"]
    texts = [RECORD["patient_history"][f.start:f.end] for f in by_path]
    assert "MARIA LOPEZ" in texts and "03/14/2023" in texts and "555-987-6543" in texts
    assert any(f.path == "contacts.0.name" for f in outcome.findings)


def test_residual_scan_finds_nothing_after_redaction() -> None:
    assert _engine().deidentify(RECORD, "p1", strategy="redact").residual == []


def test_surrogate_needs_a_secret() -> None:
    with pytest.raises(ValueError, match="secret"):
        Deidentifier().deidentify(RECORD, "p1", strategy="surrogate")


def test_name_after_a_word_ending_in_non_is_still_a_name() -> None:
    # "Shannon Cox": "non " before "Cox" once looked like the "non-" of "non-Hodgkin".
    out = _engine().deidentify({"id": "r", "note": "alt 574-753-9466 (Shannon Cox)."}, "p", strategy="redact")
    assert out.record["note"] == "alt [PHONE] ([NAME])."


def test_keys_marked_never_phi_are_not_scanned() -> None:
    record = {"id": "r", "insurance": {"provider": "Oscar Health", "member_id": "XJH123456789"}, "note": "stable"}
    out = _engine().deidentify(record, "p", strategy="redact").record
    assert out["insurance"] == {"provider": "Oscar Health", "member_id": "[HEALTH_PLAN]"}


def test_the_residual_scan_counts_a_records_own_identifier_left_outside_the_replacements() -> None:
    engine = _engine(strategy="redact")
    _, _, known = engine.classify(RECORD)
    text = "the note still says 4453321 and Lopez here"
    left = {text[f.start:f.end] for f in engine.residual("note", text, [], known)}
    assert {"4453321", "Lopez"} <= left  # a number and a safe-looking word, found only as the record's own
    placed = [(text.index("Lopez"), text.index("Lopez") + 5)]
    assert "Lopez" not in {text[f.start:f.end] for f in engine.residual("note", text, placed, known)}


def test_deidentify_leaves_no_reference_cycles() -> None:
    """The run collects young objects rarely (core.deid_run), which is sound only because
    de-identifying a record leaves nothing that reference counting cannot free."""
    import gc

    from core.synth import generate_corpus

    records = generate_corpus(40, 3).records
    engine = Deidentifier(secret=b"k" * 32)
    for record in records:  # first use compiles regexes, which leaves cycles once
        engine.deidentify(record, "warm")
    gc.collect()
    gc.disable()
    try:
        for record in records:
            engine.deidentify(record, str(record["id"]))
        assert gc.collect() == 0
    finally:
        gc.enable()
