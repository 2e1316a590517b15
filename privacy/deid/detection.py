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


def resolve_overlaps(detections: Iterable[Detection]) -> list[Detection]:
    """Merge overlapping detections into non-overlapping spans, sorted by start.

    Overlapping spans become one span covering both (recall first: nothing detected is
    dropped), labelled with the category of the longest part, ties broken by specificity
    (the priority ranks the recognizers declare: an email beats a URL, a name beats an ID).
    """
    ordered = sorted(detections, key=_start_then_longest)
    merged: list[Detection] = []
    for det in ordered:
        if merged and det.start < merged[-1].end:
            last = merged[-1]
            lead = max((last, det), key=lambda d: (d.end - d.start, -PRIORITY[d.category]))
            merged[-1] = Detection(last.start, max(last.end, det.end), lead.category, lead.rule,
                                   last.known or det.known)
        else:
            merged.append(det)
    return merged
