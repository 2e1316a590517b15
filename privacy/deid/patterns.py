"""Pattern detectors for the PHI in free text that is not a person's name.

:func:`detect_patterns` finds dates (every common format, not a year alone), ages over 89,
phone and fax numbers, emails, SSNs, record / account / health-plan / licence / device /
vehicle / other identifiers, URLs, IP addresses, street addresses, and the cities and ZIP
codes written with them. It returns raw detections: they may overlap, and the caller
merges them (:func:`privacy.deid.detection.resolve_overlaps`).

The detectors live one family to a module in :mod:`privacy.deid.recognizers`, and
:mod:`privacy.deid.recognizers.registry` assembles them into one scan pass; this module
keeps the name callers import.
"""

from __future__ import annotations

from privacy.deid.recognizers.registry import detect_patterns

__all__ = ["detect_patterns"]
