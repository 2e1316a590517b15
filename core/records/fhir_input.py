"""Records from FHIR R4 input: the FHIR values of one input, gathered across its files, turned
into MedSum records at the configured level (``records.fhir_level``) and token budget.

With ``records.fhir_strict`` every Bundle and resource is validated against R4B first and an
invalid one is a problem; otherwise the resources are read as plain JSON and what they do not
use is counted in :class:`FhirSummary` (resource types skipped, items cut by the budget).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from core.config import RecordsConfig
from core.fhir.records import build_records
from core.fhir.refs import ResourceIndex
from core.fhir.resources import FhirResource, is_fhir, resource_label, resources_of
from core.records.problems import Location, Problem
from core.records.reader import RawRecord
from core.records.validate import has_lone_surrogate, lone_surrogate_fields

__all__ = ["FhirBuilt", "FhirInput", "FhirSummary", "bundle_unicode_problems", "encodable_resources"]


@dataclass(frozen=True)
class FhirSummary:
    """What FHIR input gave: resources read, records made, and what was left out."""

    level: str
    resources: int
    patients: int
    records: int
    skipped: dict[str, int] = field(default_factory=dict)
    cut: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        """One line for the terminal: counts and what was skipped or cut (no values)."""
        text = (f"FHIR input: {self.resources} resources of {self.patients} patient(s) -> {self.records} "
                f"{self.level}-level record(s)")
        if self.skipped:
            text += "; not used: " + ", ".join(f"{k} {v}" for k, v in sorted(self.skipped.items()))
        if self.cut:
            text += "; left out of the model input: " + ", ".join(f"{k} {v}" for k, v in sorted(self.cut.items()))
        return text

    def to_json(self) -> dict[str, Any]:
        """The summary as JSON, for reports."""
        return {"level": self.level, "resources": self.resources, "patients": self.patients,
                "records": self.records, "skipped": self.skipped, "cut": self.cut}


@dataclass
class FhirBuilt:
    """Records (as parsed values, to validate like any other) and problems of FHIR input."""

    records: list[RawRecord]
    problems: list[Problem]
    summary: FhirSummary


class FhirInput:
    """Gathers the FHIR values of one input, then builds its records."""

    def __init__(self, config: RecordsConfig) -> None:
        """``config`` gives the level, the token budget and whether to validate strictly."""
        self._config = config
        self._resources: list[FhirResource] = []
        self._problems: list[Problem] = []
        self.seen = 0
        self._escapes = False  # whether any value's text had a surrogate escape

    @staticmethod
    def accepts(item: RawRecord) -> bool:
        """Whether a parsed value is FHIR (a Bundle or a resource), not a MedSum record."""
        return is_fhir(item.value)

    def add(self, item: RawRecord) -> None:
        """Take one FHIR value: its resources, or the problems that keep it out."""
        self.seen += 1
        invalid: list[Problem] = []
        left_out: set[int] = set()
        if item.may_hold_surrogates:  # its text has a surrogate escape: find any lone one first
            self._escapes = True
            invalid, left_out = bundle_unicode_problems(item.value, item.location)
            if id(item.value) in left_out:
                self._problems += invalid
                return
        if self._config.fhir_strict:
            from core.fhir.strict import validate_strict

            problems = validate_strict(item.value, item.location)
            if problems:
                self._problems += invalid + problems
                return
        resources, problems = resources_of(item.value, item.location)
        if item.may_hold_surrogates:
            resources, unencodable = encodable_resources([r for r in resources if id(r.resource) not in left_out])
            problems += invalid + unencodable
        self._resources += resources
        self._problems += problems

    def build(self) -> FhirBuilt:
        """Group what was gathered into records at the configured level."""
        index = ResourceIndex(self._resources)
        built = build_records(index, self._config.fhir_level, self._config.fhir_max_tokens)
        records = [RawRecord(location, data, self._escapes) for data, location in built.records]
        summary = FhirSummary(
            level=built.level, resources=len(self._resources),
            patients=sum(1 for r in self._resources if r.type == "Patient"), records=len(records),
            skipped=dict(Counter(built.skipped)), cut=dict(Counter(built.cut)))
        return FhirBuilt(records, self._problems + built.problems, summary)


# -- invalid Unicode -----------------------------------------------------------------------

def _label(resource: dict[str, Any]) -> str:
    """``Type/id`` for a message, without an id (or type) that could not be printed."""
    label = resource_label(resource)
    if has_lone_surrogate(label):
        rtype = resource.get("resourceType")
        return rtype if isinstance(rtype, str) and not has_lone_surrogate(rtype) else "resource"
    return label


def _where(path: str | None, message: str) -> str:
    return f"field {path!r}: {message}" if path else message


def bundle_unicode_problems(value: Any, location: Location) -> tuple[list[Problem], set[int]]:
    """Lone surrogates in a Bundle outside its entries' resources: its own fields, and each
    entry's ``fullUrl``, ``request`` and ``response`` (a Bundle inside an entry is checked whole).

    Returns a problem for each, naming the file, the Bundle or the entry
    (``entry 2 (Practitioner/x)``) and the field path, never the value; and the ``id()`` of
    what must be left out: the Bundle itself when its own fields are bad, else each bad entry,
    its resource and everything a nested Bundle in it holds. A bare resource gives nothing
    here (see :func:`encodable_resources`).
    """
    if not (isinstance(value, dict) and value.get("resourceType") == "Bundle"):
        return [], set()
    problems = [Problem(location, f"{_label(value)}: {_where(path, message)}")
                for path, message in lone_surrogate_fields({k: v for k, v in value.items() if k != "entry"})]
    left_out = {id(value)} if problems else set()
    entries = value.get("entry")
    for number, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, dict):
            continue  # resources_of reports it
        resource = entry.get("resource")
        nested = isinstance(resource, dict) and resource.get("resourceType") == "Bundle"
        found = lone_surrogate_fields(entry, skip=lambda path, key, _: not path and key == "resource" and not nested)
        if not found:
            continue
        where = f"entry {number} ({_label(resource)})" if isinstance(resource, dict) else f"entry {number}"
        problems += [Problem(location, f"{where}: {_where(path, message)}") for path, message in found]
        left_out |= {id(entry), id(resource)} | (_held(resource) if nested else set())
    return problems, left_out


def _held(bundle: dict[str, Any]) -> set[int]:
    """The ``id()`` of every entry and resource a Bundle holds, at any depth."""
    held: set[int] = set()
    stack = [bundle]
    while stack:
        entries = stack.pop().get("entry")
        for entry in entries if isinstance(entries, list) else []:
            held.add(id(entry))
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if isinstance(resource, dict):
                held.add(id(resource))
                if resource.get("resourceType") == "Bundle":
                    stack.append(resource)
    return held


def encodable_resources(resources: list[FhirResource]) -> tuple[list[FhirResource], list[Problem]]:
    """Split resources into those UTF-8 can hold and a problem for each place in the others
    that holds a lone surrogate, naming the file, the entry (``entry 2 (Observation/x)``) and
    the field path, never the value."""
    good: list[FhirResource] = []
    problems: list[Problem] = []
    for item in resources:
        found = lone_surrogate_fields(item.resource)
        if not found:
            good.append(item)
            continue
        where = item.location
        label = _label(item.resource)
        entry = f"entry {where.index} ({label})" if where.index is not None else label
        problems += [Problem(Location(where.file, where.line), f"{entry}: {_where(path, message)}")
                     for path, message in found]
    return good, problems
