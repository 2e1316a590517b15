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
    assert [t.words for t in RECOGNIZER.triggers] == [("pg", "page", "beep", "bleep", "ext"), ("+",)]  # pagers, abroad


@pytest.mark.parametrize("number", [
    "570/555/0188", "(617)/555/0199", "212- 476- 8356", "570 - 555 - 0123", "570- 555- 0157", "617 / 555 / 0122",
])
def test_slash_and_spaced_separators(number: str) -> None:
    for text in (f"Son's number is {number}, call him.", f"SON'S NUMBER IS {number}, CALL HIM."):
        assert found(text, C.PHONE, C.FAX) == [("PHONE", number)]


def test_loose_separators_need_the_nanp_shape() -> None:
    assert found("Readings 120 / 180 / 1000 and 100/150/2000.", C.PHONE) == []


@pytest.mark.parametrize(("text", "number"), [
    ("pager 48213", "48213"), ("PG 20931.", "20931"), ("neuro Vukovic pg 20577.", "20577"),
    ("(ethics, PAGER #48879).", "48879"), ("Geriatrics, pager 2204", "2204"), ("Dr. Marsh, pager 55 071.", "55 071"),
    ("covering is Ruaidhri, beeper 3-2290", "3-2290"), ("pls page 31177 w/ questions.", "31177"),
    ("PAGE OTTILIE (48213) WITH ANY CHANGES.", "48213"), ("paged dr okafor at 20414.", "20414"),
    ("cm Oduya x4-5521 following.", "x4-5521"), ("call ext 4521 or ext. 4522", "4521"),
    ("pt's cell 555 0143. acct", "555 0143"), ("Secretary: Bronagh, tel 028 9055 0182", "028 9055 0182"),
    ("Waikowhai Hospital, 07 555 0193", "07 555 0193"), ("Mobile: 555 0143", "555 0143"),
])
def test_digit_groups_after_a_phone_or_pager_word(text: str, number: str) -> None:
    for variant in (text, text.lower(), text.upper()):
        assert (C.PHONE.value, number.upper() if variant.isupper() else number) in found(variant, C.PHONE)


@pytest.mark.parametrize("text", [
    "ph 7.35, pco2 40; ABG ph 7.40/40/80/24.",
    "call 12/14 to confirm; home 12-14-2023",
    "page at 0300 if worse; call 0700; home 1400.",
    "work 2019-2021 at the mill; home 2 days.",
    "s/p cabg x3 3/14; lasix 40 iv x1; x2 doses.",
    "pg/ml 450; b12 300 pg/ml; page 2 of 3.",
    "home O2 2 L; cell count 1500; work 40 hrs.",
    "BP 120/80, HR 98, sat 98%.",
])
def test_numbers_after_phone_words_that_are_not_phones(text: str) -> None:
    for variant in (text, text.lower(), text.upper()):
        assert found(variant, C.PHONE, C.FAX) == [], variant


@pytest.mark.parametrize(("text", "phone"), [
    ("lives in galway, phone +353 91 555 0147. spine", "+353 91 555 0147"),
    ("call +44 (0)20 7946 0958 today", "+44 (0)20 7946 0958"),
    ("Called Rollins Medical Supply at 555.0123, spoke to", "555.0123"),
])
def test_numbers_dialled_from_abroad(text: str, phone: str) -> None:
    assert ("PHONE", phone) in [(d.category.value, text[d.start:d.end]) for d in detect_patterns(text)]


@pytest.mark.parametrize("text", ["edema +2 bilat, 1+ 2+", "NA 140 K +4.5", "glucose +2 3 4", "wt 100.1234 kg",
                                  "dose 250.0000 mg"])
def test_signed_measurements_are_no_phone(text: str) -> None:
    assert [d for d in detect_patterns(text) if d.category.value == "PHONE"] == []
