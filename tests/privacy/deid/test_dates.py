"""Format-preserving date shifting and parsing."""

from __future__ import annotations

from datetime import date

import pytest

from privacy.deid.dates import REFERENCE_YEAR, parse_date, shift_date


@pytest.mark.parametrize(("text", "days", "expected"), [
    ("03/14/2023", 10, "03/24/2023"),
    ("3/14/23", 10, "3/24/23"),
    ("3-14-23", -14, "2-28-23"),
    ("14.03.2023", 20, "03.04.2023"),
    ("2023-03-14", 300, "2024-01-08"),
    ("2023/03/14", 1, "2023/03/15"),
    ("11/15/2023", -400, "10/11/2022"),
    ("12/31/1999", 1, "01/01/2000"),
    ("March 14, 2023", 10, "March 24, 2023"),
    ("March 14, 2023", -40, "February 2, 2023"),
    ("Mar 14 2023", 30, "Apr 13 2023"),
    ("Mar. 14", 30, "Apr. 13"),
    ("14 Mar 2023", -400, "7 Feb 2022"),
    ("14-MAR-23", 1, "15-MAR-23"),
    ("14th of March", 8, "22nd of March"),
    ("March the 1st", 1, "March the 2nd"),
    ("March 14th, 2023", -13, "March 1st, 2023"),
    ("Sept. 5", 1, "Sept. 6"),
    ("Sept. 5", 30, "Oct. 5"),
    ("SEP 30", 1, "OCT 1"),
    ("TUESDAY, MARCH 14, 2023", 3, "FRIDAY, MARCH 17, 2023"),
    ("Tuesday, March 14, 2023", 1, "Wednesday, March 15, 2023"),
    ("Tue 3/14/2023", 2, "Thu 3/16/2023"),
    ("Tue 3/14", 3, "Fri 3/17"),
    ("Tues 3/14", 2, "Thurs 3/16"),
    ("Mar 14 '23", 1, "Mar 15 '23"),
    ("March 2023", 40, "April 2023"),
    ("March 2023", -20, "February 2023"),
    ("March of 2023", 0, "March of 2023"),
    ("03/2023", -60, "01/2023"),
    ("9/93", 200, "4/94"),
    ("3/14", 20, "4/3"),
    ("12/31", 1, "1/1"),
    ("Feb 28", 1, "Feb 29"),
    ("January tenth two thousand nine", 10, "January twentieth two thousand nine"),
    ("December twenty first, two thousand and eight", 11, "January first, two thousand and nine"),
    ("the twenty-first of May", 1, "the twenty-second of May"),
    ("March of nineteen ninety five", 31, "April of nineteen ninety five"),
    ("August O eight", 31, "September O eight"),
    ("July thirtieth O four", 2, "August first O four"),
    ("February nineteen of two thousand seven", 1, "February twenty of two thousand seven"),
])
def test_shift_keeps_the_format(text: str, days: int, expected: str) -> None:
    assert shift_date(text, days) == expected


def test_shift_recomputes_the_weekday_and_round_trips() -> None:
    for text in ("Monday, January 2, 2023", "Sat 12/30/2023", "2023-03-14", "14 Mar 2023", "03/14/2023"):
        for days in (-365, -31, -1, 1, 29, 365):
            out = shift_date(text, days)
            assert out is not None
            assert shift_date(out, -days) == text
    assert shift_date("Monday, January 2, 2023", 6) == "Sunday, January 8, 2023"


def test_zero_shift_is_identity() -> None:
    for text in ("03/14/2023", "Tue 3/14", "14th of March", "March 2023", "Sept. 5", "2023-03-14"):
        assert shift_date(text, 0) == text


def test_surrounding_whitespace_is_kept() -> None:
    assert shift_date(" 3/14 ", 1) == " 3/15 "


@pytest.mark.parametrize("text", ["", "nonsense", "13/45", "2/30", "120/80", "Tuesday", "March", "2019", "3.5",
                                  "Feb 30, 2023", "2023-02-29", "32 Mar"])
def test_unparseable_gives_none(text: str) -> None:
    assert shift_date(text, 5) is None
    assert parse_date(text) is None


def test_parse_date() -> None:
    assert parse_date("Tuesday, March 14, 2023") == date(2023, 3, 14)
    assert parse_date("14.03.2023") == date(2023, 3, 14)
    assert parse_date("3/14/92") == date(1992, 3, 14)
    assert parse_date("3/14/23") == date(2023, 3, 14)
    assert parse_date("3/14") == date(REFERENCE_YEAR, 3, 14)
    assert parse_date("Feb 29") == date(REFERENCE_YEAR, 2, 29)
    assert parse_date("March 2023") == date(2023, 3, 15)
    assert parse_date("14/3/2023") == date(2023, 3, 14)  # a first part over 12 is the day
    assert parse_date("August of two thousand eight") == date(2008, 8, 15)


def test_out_of_range_gives_none_not_an_error() -> None:
    assert parse_date("0000-01-01") is None
    assert parse_date("March 0000") is None
    assert shift_date("9999-12-31", 1) is None
    assert shift_date("March 14, 2023", 10**9) is None


def test_leap_day_without_year_shifts_in_reference_year() -> None:
    assert shift_date("2/28", 1) == "2/29"
    assert shift_date("2/29", 1) == "3/1"
