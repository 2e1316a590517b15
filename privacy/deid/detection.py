"""A detected PHI span in a string, and how overlapping detections are resolved.

:class:`Detection` is defined with the recognizers that emit it
(:mod:`privacy.deid.recognizers.base`) and kept importable here.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter

from privacy.deid.recognizers.base import Detection
from privacy.deid.recognizers.registry import PRIORITY

__all__ = ["Detection", "resolve_overlaps"]


_START = itemgetter(0)
_END = itemgetter(1)


def resolve_overlaps(detections: Iterable[Detection]) -> list[Detection]:
    """Merge overlapping detections into non-overlapping spans, sorted by start.

    Overlapping spans become one span covering both (recall first: nothing detected is
    dropped), labelled with the category of the longest part, ties broken by specificity
    (the priority ranks the recognizers declare: an email beats a URL, a name beats an ID).
    """
    # Sorted by start, then longest first, ties in the order given: a stable sort by end
    # (descending; ``reverse`` keeps the sort stable) then a stable sort by start is exactly the
    # stable sort by the key (start, -end), with C key functions instead of a Python one.
    ordered = sorted(sorted(detections, key=_END, reverse=True), key=_START)
    merged: list[Detection] = []
    last: Detection | None = None  # merged[-1]
    for det in ordered:  # fields by index: start, end, category, rule, known
        if last is not None and det[0] < last[1]:
            # The longer part leads, then the more specific (a lower priority rank); a tie keeps
            # the earlier: the comparison of (length, -rank) pairs, written out.
            length, last_length = det[1] - det[0], last[1] - last[0]
            lead = det if length > last_length or length == last_length and PRIORITY[det[2]] < PRIORITY[last[2]] \
                else last
            last = Detection(last[0], max(last[1], det[1]), lead[2], lead[3], last[4] or det[4])
            merged[-1] = last
        else:
            merged.append(det)
            last = det
    return merged
