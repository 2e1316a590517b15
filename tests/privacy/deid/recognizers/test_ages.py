"""Ages over 89: the span is the number alone; younger ages and other numbers are not PHI."""

from __future__ import annotations

import pytest

from privacy.deid.patterns import detect_patterns
from privacy.deid.recognizers.ages import RECOGNIZER
from privacy.deid.recognizers.base import Follow, fold_key
from privacy.deid.recognizers.registry import DEFAULT_KEY_MAP
from privacy.deid.surrogates import Replacer
from privacy.phi import PhiCategory as C


def ages(text: str) -> list[str]:
    return [text[d.start:d.end] for d in detect_patterns(text) if d.category is C.AGE]


@pytest.mark.parametrize(("text", "age"), [
    ("a 92 y/o F with CP", "92"), ("an 81-year-old woman"[:0] + "a 92-year-old woman", "92"),
    ("a 95 yo female", "95"), ("92F, arrived", "92"), ("(101M) seen", "101"), ("92yo M", "92"),
    ("is 93 years old", "93"), ("a woman aged 95.", "95"), ("Age: 91", "91"), ("age 90", "90"),
    ("died at the age of 91 of old age", "91"), ("92-YEAR-OLD MALE", "92"), ("B.T., 98F, arrived", "98"),
    ("a 100-year-old man", "100"), ("aged 95", "95"),
])
def test_ages_over_89(text: str, age: str) -> None:
    assert ages(text) == [age]


def test_spelled_ages() -> None:
    assert ages("She is ninety-two years old.") == ["ninety-two"]
    assert ages("a one hundred year old man") == ["one hundred"]


@pytest.mark.parametrize("text", [
    "a 68 y/o F", "an 89-year-old man", "aged 45", "age 89", "HR 92, SpO2 95% RA, T 98.6 F",
    "T 99F, Temp 100F", "fever to 101F", "Na 140, glucose 95 mg/dL", "weight 92 kg", "for 90 days", "at age 90%",
    "ages 90 days to 2 years"[:0] + "in her 90s", "BP 95/60",
])
def test_not_ages_over_89(text: str) -> None:
    assert ages(text) == []


def test_declaration() -> None:
    assert RECOGNIZER.categories == (C.AGE,)
    assert [b.follow for b in RECOGNIZER.branches] == [Follow.HYPHEN, Follow.SHORT_SPACE, Follow.OTHER,
                                                       Follow.SHORT_SPACE, Follow.OTHER]  # the last two: no age word
    assert [t.words for t in RECOGNIZER.triggers] == [("ninety", "hundred"), ("\n",), ("(",)]  # "\n": at the end of a line
    assert DEFAULT_KEY_MAP[fold_key("patientAge")] is C.AGE
    assert Replacer(b"k" * 32, "p").replace(C.AGE, "92") == "90+"


@pytest.mark.parametrize(("text", "age"), [
    ("pt is 94, lives independently", "94"), ("PT IS 97, WIFE IS 88.", "97"), ("pt 90, lives alone", "90"),
    ("pt 99, nh resident at birchwood", "99"), ("rehab nsg note. 98 s/p hip fx", "98"),
    ("pt turns 100 on the 27th", "100"), ("pt 92f. hx alzheimer's", "92"), ("a 96f with chf", "96"),
    ("90m with copd", "90"), ("pt is 92.", "92"), ("her husband was 101 when he died", "101"),
    ("age 101", "101"), ("Age: 95\nHx: CHF", "95"), ("pt 91, sharp, does own exchanges", "91"),
])
def test_ages_over_89_without_an_age_word(text: str, age: str) -> None:
    for variant in (text, text.lower(), text.upper()):
        assert ages(variant) == [age.upper() if variant.isupper() else age], variant


@pytest.mark.parametrize(("text", "age"), [
    ("PT IS A NINETY-ONE YR OLD WOMAN", "NINETY-ONE"), ("NINETY-SIX YR OLD WIDOW", "NINETY-SIX"),
    ("a ninety-three y.o. man", "ninety-three"), ("ninety-two yrs old", "ninety-two"),
])
def test_spelled_ages_with_yr_old(text: str, age: str) -> None:
    for variant in (text, text.lower(), text.upper()):
        assert [a.lower() for a in ages(variant)] == [age.lower()], variant


@pytest.mark.parametrize("text", [
    "plt 98, hr 98, spo2 98%, T 99F, temp 100 F", "pt is 89, wife is 88.", "pt is 98 kg; pt was 110/70",
    "PT 90, INR 8.1", "pt is 95% on ra", "walked 100m with pt; ambulated 90 m", "Tc-99m DTPA aerosol",
    "hr is 98. bp 98 with fluids.", "glucose 105 after meals; 100 mg daily", "pt 92 sec",
])
def test_lab_values_and_quantities_are_not_ages(text: str) -> None:
    for variant in (text, text.lower(), text.upper()):
        assert ages(variant) == [], variant


def test_an_age_at_the_end_of_a_line() -> None:
    for text, age in (("PT IS 97\nWIFE AT BEDSIDE", "97"), ("pt is 94\nlives alone", "94"), ("age 101\r\nhx chf", "101")):
        assert ages(text) == [age]
    assert ages("HR\n98\nplt 98\n") == []


@pytest.mark.parametrize(("text", "age"), [
    ("My dad died at ninety one years of age.", "ninety one"),
    ("my eldest brother passed away at ninety two due to old age", "ninety two"),
    ("she is ninety five and lives alone", "ninety five"),
    ("called re mom, pt is actually 91 per son", "91"),
])
def test_ages_said_without_a_number_word_after_them(text: str, age: str) -> None:
    assert ("AGE", age) in [(d.category.value, text[d.start:d.end]) for d in detect_patterns(text)]


@pytest.mark.parametrize("text", ["sats were ninety two percent", "BP was ninety over sixty", "HR was ninety to 110"])
def test_spelled_numbers_that_are_measurements(text: str) -> None:
    assert [d for d in detect_patterns(text) if d.category.value == "AGE"] == []


@pytest.mark.parametrize(("text", "age"), [
    ("PT OSWIN TARKANEN (OZ), NINETY-THREE, DX COPD", "NINETY-THREE"),
    ("Pt Velma Ardizzone, ninety-one, lives alone.", "ninety-one"),
    ("resident (one hundred and two) seen", "one hundred and two"),
    ("Reason: dad (96) fell at home", "96"),
    ("HUSBAND (101) IS HCP", "101"),
])
def test_spelled_ages_set_off_by_commas_and_a_relatives_age_in_brackets(text: str, age: str) -> None:
    assert ages(text) == [age]
    assert ages(text.lower()) == [age.lower()]


@pytest.mark.parametrize("text", [
    "sats ninety-four percent, on 2L", "HR (95) regular", "mom (88) visiting", "wife (93 kg) at bedside",
    "counted to ninety, then stopped",
])
def test_no_age_where_the_number_is_a_measurement_or_under_90(text: str) -> None:
    assert ages(text) == []
