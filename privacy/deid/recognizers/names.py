"""Names of people: patients, relatives and clinicians, in any case.

The scan is :func:`privacy.deid.names.detect_names` (titles and roles, relatives and
clinicians named in context, a first/last-name lexicon, initials, ALL-CAPS notes); it also
finds facility names, which :mod:`privacy.deid.recognizers.facilities` owns. It runs after
the pattern recognizers' scans.

This recognizer also owns UNKNOWN, a word that no detector named and no allow-list knows:
most such words are names, so it gets the name-shaped surrogate and the lowest overlap
priority. (The allow-list pass, which emits it, will own it once it is a recognizer.)
"""

from __future__ import annotations

from privacy.deid.names import detect_names
from privacy.deid.recognizers.base import Detection, Recognizer
from privacy.phi import PhiCategory as C

__all__ = ["RECOGNIZER"]


def _names(text: str, probe: str, out: list[Detection]) -> None:
    out += detect_names(text)


RECOGNIZER = Recognizer(
    name="names",
    order=80,
    priority={C.NAME: 18, C.UNKNOWN: 20},
    scan=_names,
    field_keys={
        **dict.fromkeys(("name", "patient_name", "first_name", "last_name", "middle_name", "given", "family",
                         "given_name", "family_name", "full_name", "maiden_name", "nickname", "alias", "attending",
                         "physician", "doctor", "nurse", "author", "pcp", "referring_physician", "provider_name",
                         "next_of_kin", "guardian", "spouse", "mother", "father", "emergency_contact", "contact_name",
                         "signed_by", "practitioner"), C.NAME),
        # what a person is to the patient or the team, and their sex: not identifiers
        **dict.fromkeys(("relation", "relationship", "gender", "sex", "specialty", "role"), None),
    },
    surrogates={C.NAME: "_name", C.UNKNOWN: "_name"},  # UNKNOWN: most words no list knows are names
)
