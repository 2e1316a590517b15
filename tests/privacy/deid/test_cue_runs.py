"""Facility names made of ordinary words, found from the cue before them, in every case."""

from __future__ import annotations

import pytest

from privacy.deid.allowpass import allow_pass
from privacy.deid.detection import resolve_overlaps
from privacy.deid.patterns import detect_patterns
from privacy.deid.names import detect_names
from privacy.deid.settings import DeidSettings
from privacy.phi import PhiCategory as C

_LISTS = DeidSettings().word_lists()


def _found(text: str) -> list[tuple[str, C]]:
    found = resolve_overlaps(detect_patterns(text) + detect_names(text))
    every = resolve_overlaps(found + allow_pass(text, found, _LISTS))
    return [(text[d.start:d.end], d.category) for d in every]


@pytest.mark.parametrize("case", [str, str.lower, str.upper], ids=["as written", "lower", "upper"])
@pytest.mark.parametrize(("text", "name"), [
    ("Pt accepted bed at Turning Point DV shelter; staff aware.", "Turning Point DV shelter"),
    ("seen at Patient First urgent care 8/14, told to rest.", "Patient First urgent care"),
    ("referred to Catholic Social Services for housing.", "Catholic Social Services"),
    ("OB is dr Adeyemi-Holt at Women & Infants.", "Women & Infants"),
    ("Declined by Golden Living (no locked unit).", "Golden Living"),
])
def test_a_name_of_ordinary_words_after_a_facility_cue_is_a_facility(case, text: str, name: str) -> None:
    assert (case(name), C.FACILITY) in [(t, c) for t, c in _found(case(text))]


@pytest.mark.parametrize("text", [
    "transferred to the ICU for monitoring.",
    "TRANSFERRED TO FLOOR FOR MONITORING.",
    "crackles at bases, 2L NC.",
    "stone impacted at Hartmann's pouch.",
    "pt admitted to medicine for CHF.",
    "came back from dialysis at 1500.",
])
def test_care_settings_clinical_words_and_eponyms_are_no_facility(text: str) -> None:
    assert [t for t, c in _found(text) if c is C.FACILITY] == []


def test_the_run_stops_at_the_first_word_that_cannot_be_part_of_a_name() -> None:
    found = _found("TRANSFERRED FROM HOLY REDEEMER FOR CARDIAC CATH ON 3/2.")
    assert ("HOLY REDEEMER", C.FACILITY) in found
    assert not any("CARDIAC" in t or "FOR" in t for t, _ in found)


def test_a_word_the_site_vouches_for_is_never_part_of_a_facility() -> None:
    lists = DeidSettings(allow_words=["4north", "sjh"]).word_lists()
    text = "pt transferred to 4north, followed at sjh."
    found = resolve_overlaps(detect_patterns(text) + detect_names(text))
    assert [d for d in allow_pass(text, found, lists) if d.category is C.FACILITY] == []
