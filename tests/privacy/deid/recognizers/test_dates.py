"""Date detection in free text: every common format, and clinical numbers that are not dates."""

from __future__ import annotations

import pytest

from privacy.deid.dates import parse_date
from privacy.deid.patterns import detect_patterns
from privacy.deid.recognizers.dates import RECOGNIZER
from privacy.deid.recognizers.base import fold_key
from privacy.deid.recognizers.registry import DEFAULT_KEY_MAP
from privacy.phi import PhiCategory


def dates(text: str) -> list[str]:
    return [text[d.start:d.end] for d in detect_patterns(text) if d.category is PhiCategory.DATE]


@pytest.mark.parametrize("value", [
    "03/14/2023", "3/14/23", "3-14-23", "14.03.2023", "2023-03-14", "2023/03/14", "12/31/1999",
    "March 14, 2023", "Mar 14 2023", "Mar. 14, 2023", "14 Mar 2023", "14-MAR-2023", "14-Mar-23", "March 14th, 2023",
    "14th of March", "the 14th of March 2023"[4:], "Sept. 5", "Sep 5", "Mar 5", "March 2023", "March of 2023",
    "Tuesday, March 14, 2023", "Tue 3/14", "Tuesday 03/14/2023", "7/22", "12/31", "03/2023", "9/93",
    "TUESDAY, MARCH 14, 2023", "MAR 14", "Feb 29", "May 5", "Mar 14 '23",
    "January tenth two thousand nine", "August of two thousand eight", "the twenty-first of May"[4:],
    "December nineteen ninety four", "July thirtieth O four", "March of ninety nine",
])
def test_date_formats_are_found_whole(value: str) -> None:
    text = f"Pt seen {value} for f/u."
    assert dates(text) == [value]
    assert parse_date(value) is not None


def test_dates_in_synthetic_style_sentences() -> None:
    text = ("F/u visit Jan 19: 76-year-old female. Telephone encounter 3/14: son called. Hx HTN (dx 2/6). "
            "RN NOTE JUL 2: PT RESTING.")
    assert dates(text) == ["Jan 19", "3/14", "2/6", "JUL 2"]
    # x/10 is a date unless a pain score is near
    assert dates("Seen in Endocrinology clinic 2/10 for dizziness for 3 mos.") == ["2/10"]
    assert dates("Sarah returned call 9/10; questions answered.") == ["9/10"]
    assert dates("Abd pain since 3/10, now rated 6/10.") == ["3/10"]


@pytest.mark.parametrize("text", [
    "BP 120/80, HR 72, T 37.1 C, SpO2 98% RA.",
    "Take 1/2 tab PO BID; 2/3 of the dose; 1 1/2 tablets.",
    "Open 24/7. Vision 20/20.",
    "Pain is 7/10, was 10/10 last night; rates it 3/10 at rest.",
    "Patient rates the pain at 2/10 on the pain analog scale.",
    "6/10 pain in the lower back, 4-5/10 at best.",
    "Strength 5/5 in all extremities; 4/5 in the left deltoid.",
    "Grade 2/6 systolic murmur at the LUSB.",
    "Started 40 mg daily x 5 days, for 2 weeks, 10 years ago.",
    "Pain 7 out of 10. Smoked 1-1/2 packs a day for 2-3 years.",
    "Diagnosed in 2019. Surgery in 2005/2006.",
    "Bactrim 400/80 Tab PO BID #30. Labs 3.5/4.2.",
    "Version 1.2.3 installed; lab 1.2.23 ratio.",
    "She came back in March. May I ask you something? We may 5 times a day.",
    "He will march 5 miles.",
    "2/2 blood cultures positive; 2/4 bottles grew GPC; 3/3 sets negative; 4/4 quadrants.",
    "HIV 1/2 Ab neg. Stage 3/4. 2/3 criteria met, 4/6 SIRS, CURB-65 2/5, TIMI 3/7, APGAR 8/9.",
    "MMSE 24/30, visual acuity 20/40, Novolog 70/30, vent 500/16/5/40%, ABG 7.35/40/90.",
])
def test_clinical_numbers_are_not_dates(text: str) -> None:
    assert dates(text) == []


def test_a_year_alone_is_not_a_date() -> None:
    assert dates("She was diagnosed in 2019 and again in 2021.") == []


def test_date_ranges_and_neighbours() -> None:
    assert dates("PT from 11/05/08 to 11/14/08; seen 3/14-3/16.") == ["11/05/08", "11/14/08", "3/14", "3/16"]


def test_date_of_a_timestamp() -> None:
    assert dates("Issued 2013-03-08T19:28:31+00:00 by the lab.") == ["2013-03-08"]


def test_weekday_alone_is_not_a_date() -> None:
    assert dates("Seen on Tuesday and again on Friday.") == []


def test_rules_are_named() -> None:
    rules = {d.rule for d in detect_patterns("03/14/2023, 2023-03-14, 3/14, March 14, 14 Mar, March 2023")}
    assert {"date.mdy", "date.iso", "date.md", "date.month_day", "date.day_month", "date.month_year"} <= rules


def test_x_over_10_followed_by_a_complaint_is_a_date() -> None:
    text = "51 y/o F, arrived at EMH 10/10 c/o pleuritic pain x4d."
    assert [text[d.start:d.end] for d in detect_patterns(text)] == ["10/10"]


def test_declaration() -> None:
    assert RECOGNIZER.categories == (PhiCategory.DATE,)
    assert RECOGNIZER.scan is not None  # month names: looked for on every text
    assert {DEFAULT_KEY_MAP[fold_key(k)] for k in ("dateOfBirth", "admit_date", "timestamp")} == {PhiCategory.DATE}


@pytest.mark.parametrize(("text", "value"), [
    ("family mtg set for the 11th.", "the 11th"), ("ortho plans im nail on the 19th\nstate trooper", "the 19th"),
    ("pt turns 100 on the 27th, family planning a party", "the 27th"),
    ("seen in the memory clinic on the 11th with his wife", "the 11th"),
    ("next infusion the 2nd of june", "the 2nd of june"), ("I will see her again on the 11th of April.",
                                                           "the 11th of April"),
    ("the 2nd of June, 2023", "the 2nd of June, 2023"), ("Tuesday, the 14th of March", "Tuesday, the 14th of March"),
    ("rehab nsg note. orif 12-mar, pod 4.", "12-mar"), ("dob: 12-Mar-1951", "12-Mar-1951"),
    ("tee/dccv planned Thurs 12-19, then apixaban.", "Thurs 12-19"), ("Appt dated 12-19.", "12-19"),
    ("s/p cabg x3 3/14, sternal inc c/d/i.", "3/14"), ("Spontaneous vaginal delivery 9/19 of a liveborn female",
                                                     "9/19"),
    ("comparison: left wrist May 2016.", "May 2016"), ("date: 9 May 2024", "9 May 2024"),
    ("dob: May 5, 2001", "May 5, 2001"), ("the 2nd of May", "the 2nd of May"),
])
def test_dates_written_the_way_clinicians_write(text: str, value: str) -> None:
    for variant, fold in ((text, str), (text.lower(), str.lower), (text.upper(), str.upper)):
        assert dates(variant) == [fold(value)], variant


@pytest.mark.parametrize("text", [
    "on the 2nd floor; for the 3rd time; the 4th ventricle; on the 1st day; in the 95th percentile.",
    "on 3-4 occasions, on 2-3 L nc, since 10-12 days; 6-8 weeks.",
    "Take 1/2 of a tab; 3/4 of the dose; 1 1/2 tabs.",
    "pt may 2 tabs prn; we may 5 times a day; he will march 5 miles; she may need it.",
    "Diagnosed in 2019; smoked from 1985 to 2009; surgery 2005.",
    "Strength 4/5 LLE; pain 7/10; BP 120/80; shift 0700-1900; called at 0700.",
])
def test_look_alikes_of_the_new_forms_are_not_dates(text: str) -> None:
    for variant in (text, text.lower(), text.upper()):
        assert dates(variant) == [], variant


@pytest.mark.parametrize(("text", "date"), [
    ("H/O CVA 74', AFIB, DM2", "74'"),
    ("MI 98' s/p stent", "98'"),
    ("admitted the 17th w/ variceal bleed", "the 17th"),
    ("ADMITTED ON THE 11TH W/ CP", "THE 11TH"),
])
def test_informal_dates_of_nursing_notes(text: str, date: str) -> None:
    assert ("DATE", date) in [(d.category.value, text[d.start:d.end]) for d in detect_patterns(text)]


@pytest.mark.parametrize("text", ["FELL 10' FROM LADDER", "a 12' drop", "pt is 5' 10\" tall", "walked 50' x2",
                                  "admitted to the 4th floor"])
def test_feet_and_floors_are_no_date(text: str) -> None:
    assert [d for d in detect_patterns(text) if d.category.value == "DATE"] == []


@pytest.mark.parametrize(("text", "date"), [
    ("has not seen pt since Thanksgiving 2023, per son", "Thanksgiving 2023"),
    ("home over christmas with family", "christmas"),
    ("FELL AFTER EASTER SUNDAY", "EASTER SUNDAY"),
    ("last drink on new year's eve", "new year's eve"),
    ("addendum mar 3 2340", "mar 3"),
    ("S/P MVC 1/19 ON THE HIGHWAY NEAR HOME", "1/19"),
    ("motorcycle crash 9/14 in the rain", "9/14"),
])
def test_holidays_and_a_lower_case_month_before_a_clock_time_are_dates(text: str, date: str) -> None:
    assert date in dates(text)


@pytest.mark.parametrize("text", ["Christmas cactus on the sill", "pt may 3 times daily", "easter lily allergy",
                                  "strength 5/5 on the left", "GCS 13/15 in the ED"])
def test_no_date_without_a_year_or_a_word_of_time(text: str) -> None:
    assert dates(text) == []
