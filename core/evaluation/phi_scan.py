"""The PHI scan of generated summaries: the de-identification detectors run on every summary.

A model trained on de-identified text should produce no identifier of its own. A finding whose
text also stands in the summary's (de-identified) input is carried over from it (a surrogate, or
a detector's false positive on the input too); any other finding is *new*: the model produced
an identifier, perhaps memorized. The scan reports positions and categories, never the text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from privacy.deid.engine import Deidentifier
from privacy.deid.settings import DeidSettings

__all__ = ["scan_summaries"]


def scan_summaries(ids: Sequence[str], sources: Sequence[str], summaries: Sequence[str],
                   settings: DeidSettings | None = None) -> dict[str, Any]:
    """Scan each summary; return counts (all, new, by category) and each finding's place."""
    detector = Deidentifier(settings)
    findings: list[dict[str, Any]] = []
    for record_id, source, summary in zip(ids, sources, summaries, strict=True):
        lowered = source.lower()
        for det in detector.detect_text(summary):
            carried = summary[det.start:det.end].lower() in lowered
            findings.append({"id": record_id, "start": det.start, "end": det.end, "category": str(det.category),
                             "carried_from_input": carried})
    new = [f for f in findings if not f["carried_from_input"]]
    return {
        "summaries": len(summaries),
        "findings": len(findings),
        "new": len(new),
        "by_category": dict(Counter(f["category"] for f in findings)),
        "new_by_category": dict(Counter(f["category"] for f in new)),
        "summaries_with_new": len({f["id"] for f in new}),
        "places": findings[:200],
    }
