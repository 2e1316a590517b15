"""Model input text: nested objects as sorted ``key: value`` lines, identifiers left out."""

from __future__ import annotations

from core.config import RecordsConfig
from core.records import model_input, normalize_key, target_text

RECORD = {
    "id": "r-1",
    "patientName": "Maria Lopez",
    "dob": "1957-03-02",
    "patient_history": "68 y/o F with HTN.",
    "diagnosis": "CAD",
    "medications": ["ASA 81 mg", "NTG 0.4 mg"],
    "encounter": {"department": "Cardiology", "Attending": "Wei Chen", "vitals": {"hr": 88, "bp": "150/90"}},
    "contacts": [{"name": "Linda", "phone": "555"}],
    "labs": [{"test": "LDL", "value": 160.5}, {"test": "HbA1c", "value": 7.2}],
    "empty": "",
    "none": None,
    "summary": "  Coronary artery disease (CAD).  ",
}


def test_default_input_is_sorted_non_identifier_fields() -> None:
    assert model_input(RECORD, RecordsConfig()).splitlines() == [
        "diagnosis: CAD",
        "encounter.department: Cardiology",
        "encounter.vitals.bp: 150/90",
        "encounter.vitals.hr: 88",
        "labs[0].test: LDL",
        "labs[0].value: 160.5",
        "labs[1].test: HbA1c",
        "labs[1].value: 7.2",
        "medications: ASA 81 mg; NTG 0.4 mg",
        "patient_history: 68 y/o F with HTN.",
    ]


def test_configured_input_fields_keep_their_order() -> None:
    config = RecordsConfig(input_fields=["patient_history", "diagnosis", "absent"])
    assert model_input(RECORD, config) == "patient_history: 68 y/o F with HTN.\ndiagnosis: CAD"


def test_key_normalization() -> None:
    assert normalize_key("patientName") == normalize_key("patient_name") == normalize_key("Patient-Name")


def test_target_is_stripped() -> None:
    assert target_text(RECORD, RecordsConfig()) == "Coronary artery disease (CAD)."
    assert target_text({"summary": " "}, RecordsConfig()) is None
