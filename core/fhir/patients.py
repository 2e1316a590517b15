"""Which patient a FHIR resource belongs to, and the identifying values a Patient holds."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Iterator
from typing import Any

from core.fhir.refs import ResourceIndex, reference_of
from core.fhir.resources import FhirResource

__all__ = ["PATIENT_REFS", "PEOPLE", "name_variants", "patient_id", "patient_key", "patient_of", "patient_reference",
           "references", "referred_people"]

#: Resource types of the people and places a patient's resources refer to: their names are
#: identifiers to look for in the patient's free text.
PEOPLE = frozenset({"Practitioner", "PractitionerRole", "RelatedPerson", "Organization", "Location"})

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


def patient_id(patient: FhirResource) -> str:
    """A Patient's logical id, or the UUID of its ``fullUrl`` when it has none."""
    return patient.id or (patient.full_url or "").rsplit(":", 1)[-1] or "patient"


def references(value: Any, depth: int = 0) -> Iterator[str]:
    """Every reference string in a resource (contained resources aside), a few levels deep."""
    if isinstance(value, dict):
        if isinstance(value.get("reference"), str):
            yield value["reference"]
        for key, inner in value.items():
            if key != "contained" and depth < 5 and isinstance(inner, (dict, list)):
                yield from references(inner, depth + 1)
    elif isinstance(value, list):
        for inner in value:
            yield from references(inner, depth)


def referred_people(items: Iterable[FhirResource], index: ResourceIndex) -> list[FhirResource]:
    """The practitioners, related persons, organizations and locations ``items`` refer to
    (not every one of a bulk export), each once, in the order first met."""
    found: dict[int, FhirResource] = {}
    for item in items:
        for ref in set(references(item.resource)):
            target = index.resolve_item(ref, item)
            if isinstance(target, FhirResource) and target.type in PEOPLE:
                found.setdefault(id(target), target)
    return list(found.values())
