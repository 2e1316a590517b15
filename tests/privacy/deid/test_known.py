"""A record's own identifiers found in its text: full, partial, initials, any case, any punctuation."""

from __future__ import annotations

from privacy.deid.known import KnownIdentifiers
from privacy.phi import PhiCategory


def _known() -> KnownIdentifiers:
    known = KnownIdentifiers()
    known.add(PhiCategory.NAME, "Maria Lopez")
    known.add(PhiCategory.NAME, "Wei Chen")
    known.add(PhiCategory.PHONE, "(555) 123-4567")
    known.add(PhiCategory.MRN, "4453321")
    known.add(PhiCategory.CITY, "Springfield")
    known.add(PhiCategory.FACILITY, "Mercy Hospital of South Glendachester")
    known.add(PhiCategory.DATE, "1957-03-02")
    return known


def _hits(text: str) -> list[tuple[str, str]]:
    return [(text[d.start:d.end], d.category.value) for d in _known().detect(text)]


def test_full_partial_and_case_insensitive_names() -> None:
    assert _hits("MARIA LOPEZ seen; Ms. Lopez's daughter; maria called") == [
        ("MARIA LOPEZ", "NAME"), ("Lopez", "NAME"), ("maria", "NAME")]


def test_dotted_initials_and_first_initial_forms() -> None:
    assert _hits("pt M.L. and M. L. and W. Chen") == [("M.L.", "NAME"), ("M. L.", "NAME"), ("W. Chen", "NAME")]


def test_phone_digits_in_any_punctuation() -> None:
    assert [h[0] for h in _hits("call 555.123.4567 or +1 555 123 4567 or 5551234567")] == [
        "555.123.4567", "+1 555 123 4567", "5551234567"]


def test_ids_cities_and_facility_abbreviation() -> None:
    assert _hits("MRN 4453321, from springfield, transferred from MHSG and Glendachester") == [
        ("4453321", "MRN"), ("springfield", "CITY"), ("MHSG", "FACILITY"), ("Glendachester", "FACILITY")]


def test_no_match_inside_longer_words_and_dates_left_to_detectors() -> None:
    assert _hits("Lopezville 44533210 Chenoweth 1957-03-02") == []


def test_known_flag_is_set() -> None:
    assert all(d.known for d in _known().detect("Maria"))


def test_empty_record_finds_nothing() -> None:
    assert KnownIdentifiers().detect("anything at all") == []
