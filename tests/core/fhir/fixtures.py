"""Small hand-made FHIR inputs for the tests, and the Synthea sample bundles."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "fhir-synthea-r4"
BUNDLES = sorted(SAMPLES.glob("*.json"))
NOTE = ("Mr. Quentin Vale, 52, seen in clinic for chest pain since Tuesday. "
        "Started atorvastatin 40 mg daily. Call 555-201-7788 with results.")


def b64(text: str) -> str:
    """``text`` as FHIR attachment data."""
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def small_bundle(kind: str = "collection") -> dict[str, Any]:
    """One patient with two encounters, linked by every reference form MedSum resolves."""
    return {"resourceType": "Bundle", "type": kind, "entry": [
        {"fullUrl": "urn:uuid:p1", "resource": {
            "resourceType": "Patient", "id": "p1", "gender": "male", "birthDate": "1970-05-02",
            "name": [{"use": "official", "given": ["Quentin123"], "family": "Vale45"}],
            "telecom": [{"system": "phone", "value": "555-201-7788"}],
            "address": [{"line": ["12 Orchard Lane"], "city": "Bramfield", "postalCode": "01234", "state": "MA"}],
            "identifier": [{"type": {"coding": [{"code": "MR"}]}, "system": "http://hosp", "value": "MRN-778812"}]}},
        {"fullUrl": "http://example.org/fhir/Practitioner/dr1", "resource": {
            "resourceType": "Practitioner", "id": "dr1", "name": [{"given": ["Ilse"], "family": "Marrow"}],
            "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "9999911111"}]}},
        {"fullUrl": "urn:uuid:e1", "resource": {
            "resourceType": "Encounter", "id": "e1", "status": "finished", "class": {"code": "AMB"},
            "subject": {"reference": "urn:uuid:p1"}, "period": {"start": "2020-03-01T10:00:00Z"},
            "type": [{"text": "Office visit"}], "reasonCode": [{"text": "Chest pain"}],
            "participant": [{"individual": {"reference": "Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999911111"}}]}},
        {"fullUrl": "urn:uuid:e2", "resource": {
            "resourceType": "Encounter", "id": "e2", "status": "finished", "class": {"code": "AMB"},
            "subject": {"reference": "Patient/p1"}, "period": {"start": "2021-06-01T10:00:00Z"},
            "type": [{"text": "Check up"}]}},
        {"fullUrl": "urn:uuid:c1", "resource": {
            "resourceType": "Condition", "id": "c1", "subject": {"reference": "urn:uuid:p1"},
            "encounter": {"reference": "Encounter/e1"}, "code": {"text": "Hyperlipidemia"},
            "clinicalStatus": {"coding": [{"code": "active"}]}, "onsetDateTime": "2020-03-01"}},
        {"fullUrl": "urn:uuid:m1", "resource": {
            "resourceType": "MedicationRequest", "id": "m1", "status": "active", "intent": "order",
            "subject": {"reference": "http://example.org/fhir/Patient/p1"}, "encounter": {"reference": "urn:uuid:e1"},
            "medicationReference": {"reference": "#med"},
            "contained": [{"resourceType": "Medication", "id": "med", "code": {"text": "atorvastatin 40 MG Oral Tablet"}}]}},
        {"fullUrl": "urn:uuid:o1", "resource": {
            "resourceType": "Observation", "id": "o1", "status": "final", "code": {"text": "LDL Cholesterol"},
            "subject": {"reference": "urn:uuid:p1"}, "encounter": {"reference": "urn:uuid:e1"},
            "valueQuantity": {"value": 162.3456, "unit": "mg/dL"}, "effectiveDateTime": "2020-03-01"}},
        {"fullUrl": "urn:uuid:d1", "resource": {
            "resourceType": "DocumentReference", "id": "d1", "status": "current",
            "subject": {"reference": "urn:uuid:p1"}, "context": {"encounter": [{"reference": "urn:uuid:e1"}]},
            "content": [{"attachment": {"contentType": "text/plain", "data": b64(NOTE)}}]}},
        {"fullUrl": "urn:uuid:x1", "resource": {
            "resourceType": "Claim", "id": "x1", "status": "active", "patient": {"reference": "urn:uuid:p1"}}},
    ]}


def write_json(path: Path, value: Any) -> Path:
    """Write ``value`` as JSON to ``path`` and return the path."""
    path.write_text(json.dumps(value), encoding="utf-8")
    return path
