"""Phone and fax numbers: every common format, fax by its word, and numbers that are not phones."""

from __future__ import annotations

import pytest

from privacy.deid.patterns import detect_patterns
from privacy.deid.recognizers.contacts import RECOGNIZER
from privacy.deid.recognizers.base import Prefix, fold_key
from privacy.deid.recognizers.registry import DEFAULT_KEY_MAP
from privacy.phi import PhiCategory as C


def found(text: str, *categories: C) -> list[tuple[str, str]]:
    return [(d.category.value, text[d.start:d.end]) for d in detect_patterns(text)
            if not categories or d.category in categories]


@pytest.mark.parametrize("number", [
    "(555) 234-5678", "(555)234-5678", "555-234-5678", "555.234.5678", "555 234 5678", "+1 555 234 5678",
    "+1-555-234-5678", "+1 (555) 234-5678", "5552345678", "1-800-234-5678", "555-234-5678 x123",
    "(555) 234-5678 ext. 12",
])
def test_phone_formats(number: str) -> None:
    assert found(f"Pt reachable at {number} after 5 pm.", C.PHONE, C.FAX) == [("PHONE", number)]


def test_fax_needs_a_fax_word_before_or_after() -> None:
    assert found("Fax summary to 555-234-5678.", C.PHONE, C.FAX) == [("FAX", "555-234-5678")]
    assert found("Referral faxed to St. Mary Medical Center at (555) 234-5678 on 3/14.", C.PHONE, C.FAX) == [
        ("FAX", "(555) 234-5678")]
    assert found("F: 555.234.5678", C.PHONE, C.FAX) == [("FAX", "555.234.5678")]
    assert found("Office 555-234-5678 (fax)", C.PHONE, C.FAX) == [("FAX", "555-234-5678")]
    assert found("Fax 555-234-5678, phone 555-876-5432.", C.PHONE, C.FAX) == [
        ("FAX", "555-234-5678"), ("PHONE", "555-876-5432")]
    assert found("Outside records faxed from X. Pt reachable at 555-876-5432.", C.PHONE, C.FAX) == [
        ("PHONE", "555-876-5432")]


def test_local_seven_digit_number_only_after_a_phone_word() -> None:
    assert found("Call 234-5678 with results.", C.PHONE) == [("PHONE", "234-5678")]
    assert found("CPT 234-5678 billed.", C.PHONE) == []


@pytest.mark.parametrize("text", [
    "MRN 5552345678 on the band.",  # an id, not a phone
    "NPI 2345678901.",
    "Platelets 150000, WBC 12.5, Na 140, K 4.1.",
    "BP 120/80 HR 72 RR 16 T 98.6",
    "Dose 1000 mg then 500 mg q6h.",
    "Pain 7/10, 120 130 140 over three readings.",
    "Account 1234567890 closed.",
])
def test_numbers_that_are_not_phones(text: str) -> None:
    assert found(text, C.PHONE, C.FAX) == []


def test_bare_ten_digits_need_a_valid_area_code() -> None:
    assert found("Callback 3073341885 today.", C.PHONE) == [("PHONE", "3073341885")]
    assert found("Ref 1234567890 today.", C.PHONE) == []


def test_declaration() -> None:
    assert RECOGNIZER.categories == (C.FAX, C.PHONE)
    assert DEFAULT_KEY_MAP[fold_key("homePhone")] is C.PHONE
    assert DEFAULT_KEY_MAP[fold_key("fax_number")] is C.FAX
    assert [b.follow for b in RECOGNIZER.branches if isinstance(b.follow, Prefix)] == [Prefix("+"), Prefix("(")]
