"""Strict validation of FHIR input against the R4B models of ``fhir.resources``.

``fhir.resources``' default package is R5, which rejects R4 Bundles; R4B is R4's structure
with errata, so R4 exports validate there. Messages name the entry, the resource and the
element path and say what is wrong, never the value (pydantic's ``input`` is not quoted).
"""

from __future__ import annotations

from typing import Any

from core.fhir.resources import resource_label
from core.records.problems import Location, Problem

__all__ = ["validate_strict"]

_MAX_ERRORS = 5  # per resource: the first few say what is wrong


def _model(resource_type: str) -> Any:
    from fhir.resources.R4B import get_fhir_model_class

    return get_fhir_model_class(resource_type)


def _where(value: dict[str, Any], loc: tuple[Any, ...]) -> tuple[str, str]:
    """``entry N (Type/id)`` and the element path below it, for a Bundle error location."""
    if value.get("resourceType") == "Bundle" and len(loc) >= 3 and loc[0] == "entry" and isinstance(loc[1], int):
        entries = value.get("entry") or []
        entry = entries[loc[1]] if loc[1] < len(entries) and isinstance(entries[loc[1]], dict) else {}
        inner = entry.get("resource")
        resource: dict[str, Any] = inner if isinstance(inner, dict) else {}
        rest = loc[3:] if len(loc) > 3 and loc[2] == "resource" else loc[2:]
        return f"entry {loc[1]} ({resource_label(resource)})", ".".join(str(p) for p in rest)
    return resource_label(value), ".".join(str(p) for p in loc)


def validate_strict(value: dict[str, Any], location: Location) -> list[Problem]:
    """Problems of one top-level FHIR value (a Bundle or a resource) under R4B; empty if valid."""
    from pydantic import ValidationError

    try:
        model = _model(str(value.get("resourceType")))
    except (KeyError, ValueError, ImportError, AttributeError):
        return [Problem(location, f"{resource_label(value)}: resourceType is not an R4B resource")]
    try:
        model.model_validate(value)
    except ValidationError as exc:
        problems = []
        for error in exc.errors()[:_MAX_ERRORS]:
            where, path = _where(value, tuple(error.get("loc") or ()))
            problems.append(Problem(location, f"{where}: {path or 'resource'}: {error.get('msg', 'invalid')} (R4B)"))
        more = len(exc.errors()) - _MAX_ERRORS
        if more > 0:
            problems.append(Problem(location, f"{resource_label(value)}: {more} more R4B validation errors"))
        return problems
    return []
