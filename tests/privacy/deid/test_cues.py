"""Context cues read the same in every case."""

from __future__ import annotations

import pytest

from privacy.deid.cues import cue_before, facility_head_after, names_by_phrase, saint_start
from privacy.phi import PhiCategory as C


@pytest.mark.parametrize("prefix, category", [
    ("seen by dr ", C.NAME), ("DTR ", C.NAME), ("husband ", C.NAME), ("hcp is ", None), ("proxy: ", C.NAME),
    ("her name is ", C.NAME), ("ask to page ", C.NAME), ("per ", C.NAME), ("nurse ", C.NAME),
    ("transferred from ", C.FACILITY), ("REFERRED TO ", C.FACILITY), ("bib ems from ", C.FACILITY),
    ("xfer to ", C.FACILITY), ("transferred from st. ", C.FACILITY),
    ("lives in ", C.CITY), ("Resides in ", C.CITY), ("moved from ", C.CITY),
    ("pt is ", None), ("the ", None), ("in the ", None),
])
@pytest.mark.parametrize("case", [str.lower, str.upper, str.title])
def test_cue_before_in_any_case(prefix: str, category: C | None, case) -> None:
    text = case(prefix) + "x"
    assert cue_before(text.lower(), len(text) - 1) is category


def test_facility_heads_and_saints() -> None:
    low = "from harlan ew today; st. brigid's; mt. carmel"
    assert facility_head_after(low, low.index("harlan") + 6) == low.index("ew") + 2
    assert facility_head_after(low, low.index("today") + 5) is None
    assert saint_start(low, low.index("brigid")) == low.index("st.")
    assert saint_start(low, low.index("carmel")) == low.index("mt.")
    assert saint_start("st elevation", 3) == 3  # "ST elevation" is not a saint


@pytest.mark.parametrize("text, names", [
    ("wife may is his hcp. son will called at 4.", ["may", "will"]),
    ("SON WILL CALLED FROM WORK", ["WILL"]),
    ("ASKED PT TO CALL FAITH AT X2-7093", ["FAITH"]),
    ("please page rose @ 4-5521", ["rose"]),
    ("son will call back. wife may visit. call bell at 2 ft. call back at 555-0101.", []),
])
def test_names_that_only_a_phrase_gives_away(text: str, names: list[str]) -> None:
    assert [text[s:e] for s, e in names_by_phrase(text.lower())] == names
