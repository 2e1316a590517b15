"""Hospital and clinic names (``Lake Edward General Hospital``, ``St. Mary Medical Center``).

Facility names are found by the name scan (:func:`privacy.deid.names.detect_names`, run by
:mod:`privacy.deid.recognizers.names`): both read the same capitalised tokens in one pass,
so this recognizer has no scan of its own. It owns the category, its structured-field keys
and its surrogate, which keeps generic words (``Hospital``, ``Medical Center``) and replaces
the distinctive ones.
"""

from __future__ import annotations

from privacy.deid.recognizers.base import Recognizer
from privacy.phi import PhiCategory as C

__all__ = ["RECOGNIZER"]

RECOGNIZER = Recognizer(
    name="facilities",
    order=70,
    priority={C.FACILITY: 8},
    field_keys={
        **dict.fromkeys(("facility", "hospital", "clinic", "facility_name", "hospital_name", "organization",
                         "practice"), C.FACILITY),
        # an organisation's parts and kinds, and the insurer: not identifiers of a patient
        **dict.fromkeys(("department", "unit", "provider", "insurer"), None),
    },
    surrogates={C.FACILITY: "_facility"},
)
