"""Resolve FHIR references among the resources of one input.

Supported forms: ``urn:uuid:...`` and ``urn:oid:...`` (a Bundle entry's ``fullUrl``; without
one, as in NDJSON, the resource whose id is that UUID),
relative ``Type/id`` (with or without ``/_history/n``), absolute URLs ending in ``Type/id``,
conditional ``Type?identifier=system|value`` (also ``identifier=value``), and ``#id`` for a
resource contained in the referring one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from core.fhir.resources import FhirResource

__all__ = ["ResourceIndex", "reference_of"]

_TYPE_ID = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$")


def reference_of(value: Any) -> str | None:
    """The ``reference`` string of a Reference element, or None."""
    if isinstance(value, dict):
        ref = value.get("reference")
        return ref if isinstance(ref, str) and ref else None
    return None


def _identifiers(resource: dict[str, Any]) -> Iterable[tuple[str | None, str]]:
    found = resource.get("identifier")
    for ident in found if isinstance(found, list) else [found] if isinstance(found, dict) else []:
        if isinstance(ident, dict) and isinstance(ident.get("value"), str):
            system = ident.get("system")
            yield (system if isinstance(system, str) else None), ident["value"]


class ResourceIndex:
    """Every resource of an input, found by full URL, by ``Type/id`` and by identifier."""

    def __init__(self, resources: Iterable[FhirResource]) -> None:
        """Index ``resources``; a later duplicate of a URL or ``Type/id`` does not replace the first."""
        self.resources: list[FhirResource] = list(resources)
        self._by_url: dict[str, FhirResource] = {}
        self._by_type_id: dict[tuple[str, str], FhirResource] = {}
        self._by_identifier: dict[tuple[str, str | None, str], list[FhirResource]] = {}
        self._by_id: dict[str, list[FhirResource]] = {}
        for item in self.resources:
            if item.full_url:
                self._by_url.setdefault(item.full_url, item)
            if item.id:
                self._by_type_id.setdefault((item.type, item.id), item)
                self._by_id.setdefault(item.id, []).append(item)
            for system, value in _identifiers(item.resource):
                self._by_identifier.setdefault((item.type, system, value), []).append(item)
                self._by_identifier.setdefault((item.type, None, value), []).append(item)

    def resolve(self, reference: str | None, referrer: FhirResource | None = None) -> dict[str, Any] | None:
        """The resource ``reference`` points to, or None when it is not in this input.

        ``referrer`` is the resource holding the reference: ``#id`` looks among its contained
        resources. A conditional reference must match exactly one resource.
        """
        found = self.resolve_item(reference, referrer)
        if isinstance(found, FhirResource):
            return found.resource
        return found

    def resolve_item(self, reference: str | None, referrer: FhirResource | None = None) -> FhirResource | dict[str, Any] | None:
        """Like :meth:`resolve`, but a top-level resource comes back as its :class:`FhirResource`
        (a contained one as its dict)."""
        if not reference:
            return None
        if reference.startswith("#"):
            return self._contained(reference[1:], referrer)
        if reference in self._by_url:
            return self._by_url[reference]
        if reference.startswith("urn:uuid:"):
            # NDJSON has no fullUrl; a resource whose id is that UUID is the one meant (UUIDs are unique)
            same = self._by_id.get(reference[len("urn:uuid:"):], [])
            return same[0] if len(same) == 1 else None
        if "?" in reference:
            return self._conditional(reference)
        match = _TYPE_ID.search(reference)
        if match:
            return self._by_type_id.get((match.group(1), match.group(2)))
        return None

    def find(self, rtype: str, rid: str) -> FhirResource | None:
        """The resource ``rtype/rid``, if present."""
        return self._by_type_id.get((rtype, rid))

    @staticmethod
    def _contained(rid: str, referrer: FhirResource | None) -> dict[str, Any] | None:
        if referrer is None:
            return None
        for inner in referrer.resource.get("contained") or []:
            if isinstance(inner, dict) and inner.get("id") == rid:
                return inner
        return None

    def _conditional(self, reference: str) -> FhirResource | None:
        rtype, _, query = reference.partition("?")
        rtype = rtype.rsplit("/", 1)[-1]
        matches: list[FhirResource] | None = None
        for name, value in parse_qsl(query, keep_blank_values=True):
            if name != "identifier":
                return None  # only identifier searches can be resolved offline
            system, bar, code = value.partition("|")
            key = (rtype, system or None, code) if bar else (rtype, None, value)
            hits = self._by_identifier.get(key, [])
            matches = hits if matches is None else [m for m in matches if m in hits]
        if matches and len({id(m) for m in matches}) == 1:
            return matches[0]
        return None
