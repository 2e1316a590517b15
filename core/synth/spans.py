"""Gold PHI spans: their type, the structured fields that are PHI, and JSON-path helpers.

A span names its field by a dotted path (``"address.street"``, ``"contacts.0.name"``) and
character offsets into that field's string value; ``text`` always equals
``value[start:end]``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from privacy.phi import PhiCategory

from core.synth.textbuilder import RawSpan

__all__ = [
    "FREE_TEXT_FIELDS", "STRUCTURED_PHI", "GoldSpan", "field_spans", "iter_leaves", "resolve_path",
    "structured_spans",
]

# Structured fields that are PHI as a whole, by path pattern ("*" stands for a list index).
STRUCTURED_PHI: Mapping[str, PhiCategory] = {
    "patient_name": PhiCategory.NAME,
    "dob": PhiCategory.DATE,
    "mrn": PhiCategory.MRN,
    "ssn": PhiCategory.SSN,
    "phone": PhiCategory.PHONE,
    "fax": PhiCategory.FAX,
    "email": PhiCategory.EMAIL,
    "address.street": PhiCategory.ADDRESS,
    "address.city": PhiCategory.CITY,
    "address.zip": PhiCategory.ZIP,
    "insurance.member_id": PhiCategory.HEALTH_PLAN,
    "contacts.*.name": PhiCategory.NAME,
    "contacts.*.phone": PhiCategory.PHONE,
    "encounter.date": PhiCategory.DATE,
    "encounter.facility": PhiCategory.FACILITY,
    "encounter.attending": PhiCategory.NAME,
    "encounter.account_number": PhiCategory.ACCOUNT,
}

# Free-text fields whose PHI is marked span by span.
FREE_TEXT_FIELDS: tuple[str, ...] = ("patient_history", "treatment_plan", "notes")


@dataclass(frozen=True)
class GoldSpan:
    """One PHI occurrence: ``record[path][start:end] == text`` is of ``category``."""

    record_id: str
    path: str
    start: int
    end: int
    category: str
    text: str

    def to_json(self) -> dict[str, Any]:
        """The span as a JSON-ready dict (one line of the gold file)."""
        return {"record_id": self.record_id, "path": self.path, "start": self.start, "end": self.end,
                "category": str(self.category), "text": self.text}


def resolve_path(record: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` of ``record``; numeric parts index lists.

    Raises KeyError, IndexError or TypeError when the path does not exist.
    """
    value: Any = record
    for part in path.split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def iter_leaves(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every non-container value under ``value`` with its dotted path, in key order."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from iter_leaves(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from iter_leaves(item, f"{prefix}.{i}" if prefix else str(i))
    else:
        yield prefix, value


_STRUCTURED_TOPS = frozenset(pattern.split(".", 1)[0] for pattern in STRUCTURED_PHI)


def _walk_phi(value: Any, path: str, pattern: str, out: list[tuple[str, str, PhiCategory]]) -> None:
    if isinstance(value, str):
        category = STRUCTURED_PHI.get(pattern)
        if category is not None and value:
            out.append((path, value, category))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _walk_phi(item, f"{path}.{key}", f"{pattern}.{key}", out)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _walk_phi(item, f"{path}.{i}", f"{pattern}.*", out)


def structured_spans(record_id: str, record: Mapping[str, Any]) -> list[GoldSpan]:
    """Whole-value spans for every structured PHI field of ``record`` (see STRUCTURED_PHI)."""
    found: list[tuple[str, str, PhiCategory]] = []
    for key, value in record.items():
        if key in _STRUCTURED_TOPS:
            _walk_phi(value, key, key, found)
    return [GoldSpan(record_id, path, 0, len(value), str(category), value) for path, value, category in found]


def field_spans(record_id: str, path: str, text: str, raw: tuple[RawSpan, ...] | list[RawSpan]) -> list[GoldSpan]:
    """Gold spans of one free-text field from the raw spans its builder recorded."""
    return [GoldSpan(record_id, path, s.start, s.end, str(s.category), text[s.start:s.end]) for s in raw]
