"""A detected PHI span in a string, and how overlapping detections are resolved.

:class:`Detection` is defined with the recognizers that emit it
(:mod:`privacy.deid.recognizers.base`) and kept importable here.
"""

from __future__ import annotations

from collections.abc import Iterable

from privacy.deid.recognizers.base import Detection
from privacy.deid.recognizers.registry import PRIORITY

__all__ = ["Detection", "resolve_overlaps"]


def _start_then_longest(d: Detection) -> tuple[int, int]:
    return d[0], -d[1]


def _lead_rank(d: Detection) -> tuple[int, int]:
    """What makes one of two overlapping detections lead: length, then specificity."""
    return d[1] - d[0], -PRIORITY[d[2]]


def resolve_overlaps(detections: Iterable[Detection]) -> list[Detection]:
    """Merge overlapping detections into non-overlapping spans, sorted by start.

    Overlapping spans become one span covering both (recall first: nothing detected is
    dropped), labelled with the category of the longest part, ties broken by specificity
    (the priority ranks the recognizers declare: an email beats a URL, a name beats an ID).
    """
    ordered = sorted(detections, key=_start_then_longest)
    merged: list[Detection] = []
    last: Detection | None = None  # merged[-1]
    for det in ordered:  # fields by index: start, end, category, rule, known
        if last is not None and det[0] < last[1]:
            lead = det if _lead_rank(det) > _lead_rank(last) else last  # a tie keeps the earlier
            last = Detection(last[0], max(last[1], det[1]), lead[2], lead[3], last[4] or det[4])
            merged[-1] = last
        else:
            merged.append(det)
            last = det
    return merged
