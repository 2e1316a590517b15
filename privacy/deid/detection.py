"""A detected PHI span in a string, and how overlapping detections are resolved."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from privacy.phi import PhiCategory

__all__ = ["Detection", "resolve_overlaps"]


class _Span(NamedTuple):
    start: int
    end: int
    category: PhiCategory
    rule: str
    known: bool = False


class Detection(_Span):
    """PHI at ``text[start:end]`` of one string field.

    ``rule`` names the detector that fired (for reports and debugging; never a value).
    ``known`` is true when the span matches an identifier that the same record's structured
    fields hold: such a span is redacted even if it is also medical vocabulary.

    A named tuple: the detectors make hundreds of thousands of these, and a tuple is built
    several times faster than a frozen dataclass. An empty or negative span is refused.
    """

    __slots__ = ()

    def __new__(cls, start: int, end: int, category: PhiCategory, rule: str, known: bool = False) -> Detection:
        """A detection of ``text[start:end]``; ``start < end`` is checked."""
        if not 0 <= start < end:
            raise ValueError(f"bad span {start}:{end}")
        return tuple.__new__(cls, (start, end, category, rule, known))


# When two detections overlap, the more specific category wins ties of length.
_PRIORITY: dict[PhiCategory, int] = {
    PhiCategory.EMAIL: 0, PhiCategory.URL: 1, PhiCategory.IP: 2, PhiCategory.SSN: 3,
    PhiCategory.FAX: 4, PhiCategory.PHONE: 5, PhiCategory.DATE: 6, PhiCategory.ADDRESS: 7,
    PhiCategory.FACILITY: 8, PhiCategory.MRN: 9, PhiCategory.HEALTH_PLAN: 10, PhiCategory.ACCOUNT: 11,
    PhiCategory.LICENSE: 12, PhiCategory.DEVICE: 13, PhiCategory.VEHICLE: 14, PhiCategory.AGE: 15,
    PhiCategory.ZIP: 16, PhiCategory.CITY: 17, PhiCategory.NAME: 18, PhiCategory.ID: 19,
    PhiCategory.UNKNOWN: 20,
}


def _start_then_longest(d: Detection) -> tuple[int, int]:
    return d[0], -d[1]


def resolve_overlaps(detections: Iterable[Detection]) -> list[Detection]:
    """Merge overlapping detections into non-overlapping spans, sorted by start.

    Overlapping spans become one span covering both (recall first: nothing detected is
    dropped), labelled with the category of the longest part, ties broken by specificity.
    """
    ordered = sorted(detections, key=_start_then_longest)
    merged: list[Detection] = []
    for det in ordered:
        if merged and det.start < merged[-1].end:
            last = merged[-1]
            lead = max((last, det), key=lambda d: (d.end - d.start, -_PRIORITY[d.category]))
            merged[-1] = Detection(last.start, max(last.end, det.end), lead.category, lead.rule,
                                   last.known or det.known)
        else:
            merged.append(det)
    return merged
