"""Read FHIR R4 resources out of parsed JSON values: a ``Bundle`` (any type: collection,
transaction, searchset...) or a bare resource, as bulk-export NDJSON holds one per line.

Every structural fault becomes a :class:`~core.records.problems.Problem` that names the file,
the line or entry, and the resource (``Observation/abc``), never a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.records.problems import Location, Problem
from core.records.validate import json_type

__all__ = ["FhirResource", "is_fhir", "resource_label", "resources_of"]

#: Bundle entries that carry no clinical data (a search's OperationOutcome).
_NOT_DATA = frozenset({"OperationOutcome"})


@dataclass(frozen=True)
class FhirResource:
    """One resource and where it came from: the file and line, or its entry in a Bundle.

    ``full_url`` is the entry's ``fullUrl`` (``urn:uuid:...`` or an absolute URL), if any;
    ``container`` is the index of the top-level value (bundle) it came from in its file.
    """

    resource: dict[str, Any]
    location: Location
    full_url: str | None = None

    @property
    def type(self) -> str:
        """The resource's ``resourceType``."""
        return str(self.resource["resourceType"])

    @property
    def id(self) -> str | None:
        """The resource's logical id, if it has one."""
        rid = self.resource.get("id")
        return rid if isinstance(rid, str) and rid else None

    @property
    def label(self) -> str:
        """``Type/id`` (or the type alone), for messages."""
        return resource_label(self.resource)


def resource_label(resource: dict[str, Any]) -> str:
    """``Type/id`` of a resource, for messages: ids are random keys, never PHI values."""
    rtype = resource.get("resourceType")
    rtype = rtype if isinstance(rtype, str) else "resource"
    rid = resource.get("id")
    return f"{rtype}/{rid}" if isinstance(rid, str) and rid and len(rid) <= 64 else rtype


def is_fhir(value: Any) -> bool:
    """Whether a parsed JSON value is a FHIR resource (it has a string ``resourceType``)."""
    return isinstance(value, dict) and isinstance(value.get("resourceType"), str) and bool(value["resourceType"])


def _entry_location(base: Location, entry: int) -> Location:
    """The location of a Bundle's entry: the file and line of the bundle, and the entry index."""
    return Location(base.file, base.line, entry)


def resources_of(value: Any, location: Location) -> tuple[list[FhirResource], list[Problem]]:
    """The resources a parsed value holds: a Bundle's entries, or the value itself.

    A Bundle entry without a ``resource`` object or ``resourceType``, a resource whose ``id``
    is not a string, or a ``fullUrl`` that is not a string is a problem naming the entry.
    """
    if not is_fhir(value):
        return [], [Problem(location, f"not a FHIR resource: expected an object with resourceType, found {json_type(value)}")]
    if value["resourceType"] != "Bundle":
        problem = _resource_problem(value, location)
        return ([], [problem]) if problem else ([FhirResource(value, location)], [])
    return _bundle_entries(value, location)


def _resource_problem(resource: dict[str, Any], location: Location, entry: int | None = None) -> Problem | None:
    """A fault in one resource's own shape (id, contained), or None."""
    where = f"entry {entry} ({resource_label(resource)})" if entry is not None else resource_label(resource)
    rid = resource.get("id")
    if rid is not None and not (isinstance(rid, str) and rid.strip()):
        return Problem(location, f"{where}: id must be a non-empty string, found {json_type(rid)}")
    contained = resource.get("contained")
    if contained is not None and not (isinstance(contained, list) and all(is_fhir(c) for c in contained)):
        return Problem(location, f"{where}: contained must be an array of resources")
    return None


def _bundle_entries(bundle: dict[str, Any], location: Location) -> tuple[list[FhirResource], list[Problem]]:
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        return [], [Problem(location, f"{resource_label(bundle)}: entry must be an array, found {json_type(entries)}")]
    found: list[FhirResource] = []
    problems: list[Problem] = []
    for number, entry in enumerate(entries):
        where = location  # problems say "entry N" themselves
        if not isinstance(entry, dict):
            problems.append(Problem(where, f"entry {number}: must be an object, found {json_type(entry)}"))
            continue
        resource = entry.get("resource")
        if resource is None and isinstance(entry.get("request"), dict) and entry["request"].get("method") == "DELETE":
            continue  # a transaction's delete carries no resource
        if not isinstance(resource, dict):
            problems.append(Problem(where, f"entry {number}: resource must be an object, found {json_type(resource)}"))
            continue
        if not is_fhir(resource):
            problems.append(Problem(where, f"entry {number} ({resource_label(resource)}): the resource has no resourceType"))
            continue
        full_url = entry.get("fullUrl")
        if full_url is not None and not isinstance(full_url, str):
            problems.append(Problem(where, f"entry {number} ({resource_label(resource)}): fullUrl must be a string, "
                                           f"found {json_type(full_url)}"))
            continue
        problem = _resource_problem(resource, where, number)
        if problem:
            problems.append(problem)
        elif resource["resourceType"] == "Bundle":
            inner, inner_problems = _bundle_entries(resource, where)  # a document inside a collection
            found += inner
            problems += inner_problems
        elif resource["resourceType"] not in _NOT_DATA:
            found.append(FhirResource(resource, _entry_location(location, number), full_url))
    return found, problems
