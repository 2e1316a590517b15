"""Which patient a FHIR resource belongs to, and the identifying values a Patient holds."""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

from core.fhir.refs import ResourceIndex, reference_of
from core.fhir.resources import FhirResource

__all__ = ["PATIENT_REFS", "name_variants", "patient_key", "patient_of", "patient_reference"]

#: The elements by which a resource names its patient, tried in order.
PATIENT_REFS = ("subject", "patient", "beneficiary", "individual")
_DIGITS = re.compile(r"\d+")


def patient_reference(item: FhirResource) -> str | None:
    """The reference string by which ``item`` names its patient, if any."""
    for key in PATIENT_REFS:
        ref = reference_of(item.resource.get(key))
        if ref:
            return ref
    return None


def patient_of(item: FhirResource, index: ResourceIndex) -> FhirResource | None:
    """The Patient resource ``item`` belongs to (itself for a Patient), or None when it names
    none that this input holds (an Organization, a Practitioner, or a dangling reference)."""
    if item.type == "Patient":
        return item
    found = index.resolve_item(patient_reference(item), item)
    return found if isinstance(found, FhirResource) and found.type == "Patient" else None


def name_variants(name: Any) -> list[str]:
    """The strings a HumanName may appear as in text: each given and family name, the whole
    name, and each without the digits Synthea appends ("Alberto639" -> "Alberto")."""
    if not isinstance(name, dict):
        return []
    parts = [p for p in [*(name.get("given") or []), name.get("family")] if isinstance(p, str) and p.strip()]
    if isinstance(name.get("text"), str) and name["text"].strip():
        parts.append(name["text"])
    variants = list(parts)
    if len(parts) > 1:
        variants.append(" ".join(parts))
    for part in list(variants):
        bare = " ".join(_DIGITS.sub("", part).split())
        if bare and bare != part:
            variants.append(bare)
    return list(dict.fromkeys(variants))


def patient_key(patient_id: str, salt: str) -> str:
    """The patient key of a Patient with logical id ``patient_id``: exactly the key a MedSum
    record whose ``patient_id`` field is that id gets (:mod:`core.records.validate`), so
    surrogates and the train/test split agree between records built from FHIR and FHIR output.
    ``salt`` is ``config.split.salt``."""
    folded = " ".join(patient_id.split()).casefold()
    return hmac.new(salt.encode(), f"patient_id\x1e{folded}".encode(), hashlib.sha256).hexdigest()[:32]
