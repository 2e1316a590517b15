"""Hospital and clinic names (the ``facilities`` recognizer; the name scan finds them)."""

from __future__ import annotations

import pytest

from privacy.deid.detection import resolve_overlaps
from privacy.deid.names import detect_names
from privacy.deid.recognizers.facilities import RECOGNIZER
from privacy.deid.recognizers.base import fold_key
from privacy.deid.recognizers.registry import DEFAULT_KEY_MAP, REGISTRY
from privacy.deid.surrogates import Replacer
from privacy.phi import PhiCategory


def _found(text: str, category: PhiCategory = PhiCategory.FACILITY) -> list[str]:
    """The detected spans of ``category``, merged, as strings."""
    return [text[d.start:d.end] for d in resolve_overlaps(detect_names(text)) if d.category == category]


@pytest.mark.parametrize(("text", "facility"), [
    ("Presented to Lake Edward General Hospital on 3/4.", "Lake Edward General Hospital"),
    ("Records from St. Mary Medical Center.", "St. Mary Medical Center"),
    ("Prior ED visit at Mercy Hospital of Port Kelly.", "Mercy Hospital of Port Kelly"),
    ("Seen at University Hospital of Lake Edward.", "University Hospital of Lake Edward"),
    ("Next appt at North Kelly Family Health Center.", "North Kelly Family Health Center"),
    ("Transferred to Brigham and Women's Hospital.", "Brigham and Women's Hospital"),
    ("Prior admission to SMMC 2017-04-11 for same.", "SMMC"),
    ("ADMITTED TO MASS GENERAL HOSPITAL.", "MASS GENERAL HOSPITAL"),
])
def test_facility_names(text: str, facility: str) -> None:
    assert facility in _found(text, PhiCategory.FACILITY)


@pytest.mark.parametrize("text", [
    "Follow-up at the Diabetes Clinic and the Pain Clinic.",
    "Transferred to the ICU, then to the hospital floor.",
    "FOLLOW-UP AT THE DIABETES CLINIC.",
    "Admitted to MICU overnight.",
])
def test_generic_facility_words_are_not_facilities(text: str) -> None:
    assert _found(text, PhiCategory.FACILITY) == []


def test_the_full_pass_finds_facilities() -> None:
    text = "Transferred to Lake Edward General Hospital on 3/4."
    assert [text[d.start:d.end] for d in REGISTRY.detect(text) if d.category is PhiCategory.FACILITY] == [
        "Lake Edward General Hospital"]


def test_declaration() -> None:
    assert RECOGNIZER.categories == (PhiCategory.FACILITY,)
    assert RECOGNIZER.scan is None  # the name scan finds them
    assert DEFAULT_KEY_MAP[fold_key("hospitalName")] is PhiCategory.FACILITY
    assert DEFAULT_KEY_MAP[fold_key("department")] is None
    surrogate = Replacer(b"k" * 32, "p").replace(PhiCategory.FACILITY, "Lake Edward General Hospital")
    assert surrogate.endswith("General Hospital") and surrogate != "Lake Edward General Hospital"
