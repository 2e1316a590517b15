"""Group FHIR resources by patient into MedSum records, at the encounter or the patient level.

An encounter-level record holds one Encounter with the conditions, medications, observations,
procedures, immunizations, reports and notes that reference it, and the patient's allergies.
A patient-level record holds the patient's active problems, past problems, current
medications, allergies, recent encounters and latest key observations with units, and notes.

A record is a plain MedSum record (:mod:`core.records`): its id is the Encounter's (or the
Patient's) id, ``patient_id`` the Patient's, the patient's identifying values sit in fields the
de-identification key map knows (``name``, ``dob``, ``address``, ``phone``, ``mrn``...), so
they are also found inside the notes, and ``fhir_text`` is the model input
(:func:`core.records.flatten.model_input` uses it whole), built within a token budget.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from core.fhir.notes import attachments, note_text
from core.fhir.patients import name_variants, patient_id, patient_of, referred_people
from core.fhir.refs import ResourceIndex, reference_of
from core.fhir.render import Rendered, Section, render_sections
from core.fhir.resources import FhirResource
from core.records.flatten import FHIR_LEVEL_FIELD, FHIR_TEXT_FIELD
from core.records.problems import Location, Problem

__all__ = ["FHIR_LEVEL_FIELD", "FHIR_TEXT_FIELD", "FhirRecords", "Level", "build_records"]

Level = Literal["encounter", "patient"]

#: Resource types a record reads; others (claims, coverage, provenance...) are skipped and counted.
_CLINICAL = frozenset({"Encounter", "Condition", "MedicationRequest", "MedicationStatement", "Observation",
                       "Procedure", "Immunization", "AllergyIntolerance", "DiagnosticReport", "DocumentReference",
                       "CarePlan"})
#: Read only for the identifying values they give the de-identification (names, facilities).
_SUPPORT = frozenset({"Patient", "Practitioner", "Organization", "Medication", "Location", "PractitionerRole",
                      "RelatedPerson"})
_RECENT_ENCOUNTERS = 5
_KEY_OBSERVATIONS = 20
_IDENT_KEYS = {"MR": "medical_record_number", "SS": "ssn", "DL": "drivers_license"}  # "mrn" is a patient key: one value


@dataclass
class FhirRecords:
    """Records built from FHIR input, and what was left out of them."""

    records: list[tuple[dict[str, Any], Location]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)  # resources not used, by type (or reason)
    cut: Counter[str] = field(default_factory=Counter)  # items the token budget cut, by section
    level: Level = "encounter"


def concept(value: Any) -> str:
    """The readable text of a CodeableConcept (its text, else the first coding's display or code)."""
    if not isinstance(value, dict):
        return ""
    if isinstance(value.get("text"), str) and value["text"].strip():
        return value["text"].strip()
    for coding in value.get("coding") or []:
        if isinstance(coding, dict):
            for key in ("display", "code"):
                if isinstance(coding.get(key), str) and coding[key].strip():
                    return coding[key].strip()
    return ""


def _concepts(values: Any) -> list[str]:
    return [text for text in (concept(v) for v in (values if isinstance(values, list) else [values])) if text]


def _day(value: Any) -> str:
    """The calendar date of a FHIR date or dateTime (``YYYY-MM-DD``, or as much as it gives)."""
    return value[:10] if isinstance(value, str) else ""


def _when(resource: dict[str, Any]) -> str:
    """A resource's clinical date, for ordering and display."""
    for key in ("effectiveDateTime", "occurrenceDateTime", "onsetDateTime", "authoredOn", "performedDateTime",
                "recordedDate", "issued", "date", "created"):
        if isinstance(resource.get(key), str):
            return resource[key]
    for key in ("period", "performedPeriod", "effectivePeriod", "onsetPeriod"):
        period = resource.get(key)
        if isinstance(period, dict) and isinstance(period.get("start"), str):
            return period["start"]
    return ""


def _number(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _quantity(value: Any) -> str:
    if not isinstance(value, dict) or "value" not in value:
        return ""
    unit = value.get("unit") or value.get("code") or ""
    return f"{_number(value['value'])} {unit}".strip()


def _observation_value(resource: dict[str, Any]) -> str:
    for key, render in (("valueQuantity", _quantity), ("valueCodeableConcept", concept)):
        if key in resource:
            return render(resource[key])
    for key in ("valueString", "valueBoolean", "valueInteger"):
        if key in resource:
            return _number(resource[key]) if not isinstance(resource[key], str) else resource[key]
    parts = []
    for component in resource.get("component") or []:
        if isinstance(component, dict):
            value = _quantity(component.get("valueQuantity")) or concept(component.get("valueCodeableConcept"))
            if value:
                parts.append(f"{concept(component.get('code'))} {value}".strip())
    return ", ".join(parts)


def _observation(resource: dict[str, Any]) -> str:
    value = _observation_value(resource)
    name = concept(resource.get("code"))
    return f"{name} {value}".strip() if value else ""


def _status(resource: dict[str, Any], key: str = "clinicalStatus") -> str:
    value = resource.get(key)
    return (concept(value) if isinstance(value, dict) else value if isinstance(value, str) else "").lower()


def _condition(resource: dict[str, Any], *, onset: bool) -> str:
    name = concept(resource.get("code"))
    start = _day(resource.get("onsetDateTime"))
    return f"{name} (since {start})" if onset and name and start else name


def _medication(item: FhirResource, index: ResourceIndex) -> str:
    resource = item.resource
    name = concept(resource.get("medicationCodeableConcept"))
    if not name:
        found = index.resolve(reference_of(resource.get("medicationReference")), item)
        name = concept(found.get("code")) if found else ""
    dosage = [d.get("text") for d in resource.get("dosageInstruction") or [] if isinstance(d, dict)]
    dosage_text = "; ".join(d for d in dosage if isinstance(d, str) and d.strip())
    return f"{name}, {dosage_text}" if name and dosage_text else name


def _encounter_line(resource: dict[str, Any]) -> str:
    found = resource.get("period")
    period: dict[str, Any] = found if isinstance(found, dict) else {}
    klass = resource.get("class")
    kind = klass.get("code") if isinstance(klass, dict) else ""
    parts = [_day(period.get("start")), str(kind or ""), ", ".join(_concepts(resource.get("type")))]
    return " ".join(p for p in parts if p)


def _age(birth: Any, on: str) -> str:
    """Age in whole years on the date ``on``; over 89 is never written (Safe Harbor)."""
    try:
        born, then = date.fromisoformat(birth[:10]), date.fromisoformat(on[:10])
    except (TypeError, ValueError):
        return ""
    years = then.year - born.year - ((then.month, then.day) < (born.month, born.day))
    return "age over 89" if years > 89 else f"{years} years"


def _notes(item: FhirResource, skipped: Counter[str]) -> list[str]:
    texts = []
    for _, attachment in attachments(item.resource):
        try:
            text = note_text(attachment)
        except ValueError:
            skipped["unreadable note"] += 1
            continue
        if text is None:
            skipped["non-text note"] += 1
        elif text:
            texts.append(text)
    if item.type == "DiagnosticReport" and isinstance(item.resource.get("conclusion"), str):
        texts.append(item.resource["conclusion"])
    return texts


class _Patient:
    """One patient's resources, sorted by kind."""

    def __init__(self, patient: FhirResource) -> None:
        self.patient = patient
        self.by_type: dict[str, list[FhirResource]] = defaultdict(list)

    @property
    def pid(self) -> str:
        return patient_id(self.patient)


def _identity(patient: dict[str, Any], people: list[FhirResource]) -> dict[str, Any]:
    """The identifying values of a patient, and the names of the people and places its record
    refers to, in fields the de-identification key map knows, so free text is checked for them."""
    out: dict[str, list[str]] = defaultdict(list)
    for name in patient.get("name") or []:
        out["name"] += name_variants(name)
    for contact in patient.get("contact") or []:
        if isinstance(contact, dict):
            out["emergency_contact"] += name_variants(contact.get("name"))
    for address in patient.get("address") or []:
        if isinstance(address, dict):
            out["address"] += [line for line in address.get("line") or [] if isinstance(line, str)]
            for key, target in (("city", "city"), ("district", "city"), ("postalCode", "zip"), ("text", "address")):
                if isinstance(address.get(key), str):
                    out[target].append(address[key])
    for telecom in patient.get("telecom") or []:
        if isinstance(telecom, dict) and isinstance(telecom.get("value"), str):
            system = telecom.get("system")
            out["email" if system == "email" else "fax" if system == "fax" else "url" if system == "url" else "phone"]\
                .append(telecom["value"])
    for ident in patient.get("identifier") or []:
        if isinstance(ident, dict) and isinstance(ident.get("value"), str):
            codes = [c.get("code") for c in (ident.get("type") or {}).get("coding") or [] if isinstance(c, dict)]
            key = next((_IDENT_KEYS[c] for c in codes if c in _IDENT_KEYS), "identifier")
            out[key].append(ident["value"])
    for extension in patient.get("extension") or []:
        if not isinstance(extension, dict):
            continue
        if isinstance(extension.get("valueString"), str) and str(extension.get("url", "")).endswith("mothersMaidenName"):
            out["maiden_name"].append(extension["valueString"])
        if isinstance(extension.get("valueAddress"), dict) and isinstance(extension["valueAddress"].get("city"), str):
            out["city"].append(extension["valueAddress"]["city"])
    for item in people:
        if item.type in ("Practitioner", "RelatedPerson"):
            for name in item.resource.get("name") or []:
                out["physician" if item.type == "Practitioner" else "next_of_kin"] += name_variants(name)
        elif item.type in ("Organization", "Location") and isinstance(item.resource.get("name"), str):
            out["facility"].append(item.resource["name"])
    record: dict[str, Any] = {key: list(dict.fromkeys(values)) for key, values in out.items() if values}
    if isinstance(patient.get("birthDate"), str):
        record["dob"] = patient["birthDate"]
    if isinstance(patient.get("deceasedDateTime"), str):
        record["death_date"] = patient["deceasedDateTime"]
    return record


def _group(index: ResourceIndex, result: FhirRecords) -> list[_Patient]:
    patients: dict[int, _Patient] = {}
    for item in index.resources:
        if item.type == "Patient":
            patients.setdefault(id(item), _Patient(item))
    for item in index.resources:
        if item.type not in _CLINICAL:
            if item.type not in _SUPPORT:
                result.skipped[item.type] += 1
            continue
        owner = patient_of(item, index)
        if owner is None:
            result.skipped[f"{item.type} (no patient in the input)"] += 1
            continue
        patients[id(owner)].by_type[item.type].append(item)
    return list(patients.values())


def _encounter_of(item: FhirResource, index: ResourceIndex) -> FhirResource | None:
    refs = [reference_of(item.resource.get("encounter"))]
    context = item.resource.get("context")
    if isinstance(context, dict):  # DocumentReference: context.encounter is a list in R4
        encounters = context.get("encounter")
        refs += [reference_of(e) for e in (encounters if isinstance(encounters, list) else [encounters])]
    for ref in refs:
        found = index.resolve_item(ref, item)
        if isinstance(found, FhirResource) and found.type == "Encounter":
            return found
    return None


def _allergies(group: _Patient) -> list[str]:
    return [concept(a.resource.get("code")) for a in group.by_type["AllergyIntolerance"]
            if _status(a.resource) not in ("inactive", "resolved")]


def _encounter_sections(encounter: FhirResource, linked: dict[str, list[FhirResource]], group: _Patient,
                        index: ResourceIndex, skipped: Counter[str]) -> list[Section]:
    resource = encounter.resource
    start = _day((resource.get("period") or {}).get("start")) if isinstance(resource.get("period"), dict) else ""
    patient = group.patient.resource
    about = ", ".join(p for p in (str(patient.get("gender") or ""), _age(patient.get("birthDate"), start)) if p)
    observations = sorted(linked["Observation"], key=lambda o: concept(o.resource.get("code")))
    notes = [text for kind in ("DocumentReference", "DiagnosticReport") for item in linked[kind]
             for text in _notes(item, skipped)]
    plans = [f"{concept(c)}" for p in linked["CarePlan"] for c in p.resource.get("category") or []] + \
        [concept((a.get("detail") or {}).get("code")) for p in linked["CarePlan"]
         for a in p.resource.get("activity") or [] if isinstance(a, dict)]
    return [
        Section("encounter", [_encounter_line(resource)], 0),
        Section("patient", [about], 0),
        Section("reason_for_visit", _concepts(resource.get("reasonCode")), 1),
        Section("diagnoses", [_condition(c.resource, onset=False) for c in linked["Condition"]], 1),
        Section("medications", [_medication(m, index) for kind in ("MedicationRequest", "MedicationStatement")
                                for m in linked[kind]], 2),
        Section("allergies", _allergies(group), 2),
        Section("procedures", [concept(p.resource.get("code")) for p in linked["Procedure"]], 3),
        Section("plan", plans, 3),
        Section("reports", [concept(r.resource.get("code")) for r in linked["DiagnosticReport"]], 4),
        Section("observations", [_observation(o.resource) for o in observations], 5),
        Section("immunizations", [concept(i.resource.get("vaccineCode")) for i in linked["Immunization"]], 6),
        Section("notes", notes, 4),
    ]


def _latest(items: Iterable[FhirResource]) -> list[FhirResource]:
    return sorted(items, key=lambda i: _when(i.resource), reverse=True)


def _patient_sections(group: _Patient, index: ResourceIndex, skipped: Counter[str]) -> tuple[list[Section], Counter[str]]:
    patient = group.patient.resource
    encounters = _latest(group.by_type["Encounter"])
    last = _day(_when(encounters[0].resource)) if encounters else ""
    about = ", ".join(p for p in (str(patient.get("gender") or ""), _age(patient.get("birthDate"), last)) if p)
    conditions = _latest(group.by_type["Condition"])
    active = [c for c in conditions if _status(c.resource) in ("active", "recurrence", "relapse", "")
              and "abatementDateTime" not in c.resource]
    past = [c for c in conditions if c not in active]
    medications = [m for kind in ("MedicationRequest", "MedicationStatement") for m in _latest(group.by_type[kind])
                   if _status(m.resource, "status") in ("active", "on-hold", "")]
    observations: dict[str, FhirResource] = {}
    for item in _latest(group.by_type["Observation"]):
        observations.setdefault(concept(item.resource.get("code")), item)  # the latest of each kind
    notes = [text for kind in ("DocumentReference", "DiagnosticReport") for item in _latest(group.by_type[kind])
             for text in _notes(item, skipped)]
    left_out: Counter[str] = Counter()
    if len(encounters) > _RECENT_ENCOUNTERS:
        left_out["recent_encounters"] = len(encounters) - _RECENT_ENCOUNTERS
    if len(observations) > _KEY_OBSERVATIONS:
        left_out["observations"] = len(observations) - _KEY_OBSERVATIONS
    recent = [f"{_encounter_line(e.resource)}" + (f" (reason: {', '.join(_concepts(e.resource.get('reasonCode')))})"
                                                   if e.resource.get("reasonCode") else "")
              for e in encounters[:_RECENT_ENCOUNTERS]]
    sections = [
        Section("patient", [about], 0),
        Section("problems", [_condition(c.resource, onset=True) for c in active], 1),
        Section("medications", [_medication(m, index) for m in medications], 1),
        Section("allergies", _allergies(group), 1),
        Section("recent_encounters", recent, 2),
        Section("history", list(dict.fromkeys(_condition(c.resource, onset=False) for c in past)), 3),
        Section("observations", [_observation(o.resource) for o in list(observations.values())[:_KEY_OBSERVATIONS]], 4),
        Section("notes", notes, 5),
    ]
    return sections, left_out


def _record(group: _Patient, identity: dict[str, Any], record_id: str, level: Level, rendered: Rendered) -> dict[str, Any]:
    return {"id": record_id, "patient_id": group.pid, FHIR_LEVEL_FIELD: level, **identity, FHIR_TEXT_FIELD: rendered.text}


def build_records(index: ResourceIndex, level: Level = "encounter", budget: int = 384) -> FhirRecords:
    """Records of every patient in ``index`` at ``level``, each model input within ``budget``
    estimated tokens. Encounter-level: one record per Encounter; patient-level: one per Patient."""
    result = FhirRecords(level=level)
    for group in _group(index, result):
        mine = [group.patient, *(item for items in group.by_type.values() for item in items)]
        identity = _identity(group.patient.resource, referred_people(mine, index))
        if level == "patient":
            sections, left_out = _patient_sections(group, index, result.skipped)
            rendered = render_sections(sections, budget)
            result.cut.update(left_out)
            result.cut.update(rendered.cut)
            result.records.append((_record(group, identity, group.pid, level, rendered), group.patient.location))
            continue
        linked: dict[int, dict[str, list[FhirResource]]] = {id(e): defaultdict(list) for e in group.by_type["Encounter"]}
        for kind, items in group.by_type.items():
            if kind in ("Encounter", "AllergyIntolerance"):
                continue
            for item in items:
                encounter = _encounter_of(item, index)
                if encounter is None or id(encounter) not in linked:
                    result.skipped[f"{kind} (no encounter)"] += 1
                    continue
                linked[id(encounter)][kind].append(item)
        for encounter in _latest(group.by_type["Encounter"]):
            rendered = render_sections(_encounter_sections(encounter, linked[id(encounter)], group, index,
                                                           result.skipped), budget)
            result.cut.update(rendered.cut)
            record_id = encounter.id or f"{group.pid}-encounter-{encounter.location.index}"
            result.records.append((_record(group, identity, record_id, level, rendered), encounter.location))
    return result
