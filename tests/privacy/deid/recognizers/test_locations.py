"""Street addresses, and the cities and ZIP codes written with them."""

from __future__ import annotations

import pytest

from privacy.deid.patterns import detect_patterns
from privacy.deid.recognizers.locations import RECOGNIZER
from privacy.deid.recognizers.base import fold_key
from privacy.deid.recognizers.registry import DEFAULT_KEY_MAP
from privacy.phi import PhiCategory as C


def geo(text: str) -> list[tuple[str, str]]:
    return sorted({(d.category.value, text[d.start:d.end]) for d in detect_patterns(text)
                   if d.category in (C.ADDRESS, C.CITY, C.ZIP)})


@pytest.mark.parametrize("street", [
    "9584 Yolanda Inlet", "420 Edwards Dam Suite 678", "9446 Kelsey Burg Apt. 483", "8182 Cynthia Ford Suite 782",
    "11284 Jared Walks", "123 Main St.", "45 N. Elm Street", "1600 Pennsylvania Ave NW", "12 West 4th Street",
    "77 Harbor Blvd, Unit 5", "300 Oak Dr", "5 MAPLE AVE", "18123 Dorsey Valley",
])
def test_street_addresses(street: str) -> None:
    assert geo(f"Lives at {street} with wife.") == [("ADDRESS", street)]


def test_po_box() -> None:
    assert geo("Mail to P.O. Box 1234 please.") == [("ADDRESS", "P.O. Box 1234")]
    assert geo("Mail to PO Box 77.") == [("ADDRESS", "PO Box 77")]


def test_city_state_and_zip_after_a_street() -> None:
    assert geo("Lives at 9584 Yolanda Inlet, North Danielside, AZ 26372 with son.") == [
        ("ADDRESS", "9584 Yolanda Inlet"), ("CITY", "North Danielside"), ("ZIP", "26372")]
    assert geo("Resides at 491 Walker Curve in West Nicholasside, 02850.") == [
        ("ADDRESS", "491 Walker Curve"), ("CITY", "West Nicholasside"), ("ZIP", "02850")]
    assert geo("Home health to visit 34264 Dennis Points, Lake Jennifer, MH 14752-1234.") == [
        ("ADDRESS", "34264 Dennis Points"), ("CITY", "Lake Jennifer"), ("ZIP", "14752-1234")]


def test_zip_needs_a_state_or_a_label() -> None:
    assert geo("Moved to Springfield, IL 62704 last year.") == [("CITY", "Springfield"), ("ZIP", "62704")]
    assert geo("Zip code: 90210.") == [("ZIP", "90210")]
    assert geo("Platelets 15000, then 25000 on repeat.") == []


def test_lives_in_city() -> None:
    assert geo("He lives in Sacaton with his sister.") == [("CITY", "Sacaton")]
    assert geo("Her son lives in Santa Cruz.") == [("CITY", "Santa Cruz")]
    assert geo("She was living in Korea then. Lives in Assisted Living. Lives in a nursing home.") == []


@pytest.mark.parametrize("text", [
    "Level 3 Trauma Center, Type 2 Diabetes Mellitus, Stage 4 Chronic Kidney Disease.",
    "Seen at 3 PM Dr. Smith; gave 2 Tylenol Extra Strength.",
    "Had 2 Abdominal CT scans and 3 Head CT.",
    "Walked 2 Blocks; climbed 3 Flights.",
    "He was in Room 12 Main Hall.",
])
def test_clinical_text_is_not_an_address(text: str) -> None:
    assert geo(text) == []


def test_declaration() -> None:
    assert RECOGNIZER.categories == (C.ADDRESS, C.ZIP, C.CITY)
    assert [t.words for t in RECOGNIZER.triggers] == [("box",), ("liv", "resid", "moved", "reloc", "town")]
    assert DEFAULT_KEY_MAP[fold_key("postalCode")] is C.ZIP
    assert DEFAULT_KEY_MAP[fold_key("state")] is None
