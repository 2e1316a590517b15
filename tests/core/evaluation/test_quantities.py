"""Numbers with units: what counts as a quantity and how values and units are normalized."""

from __future__ import annotations

import pytest

from core.evaluation.quantities import find_quantities, spoken


def _pairs(text: str) -> list[tuple[str, str]]:
    return [(q.value, q.unit) for q in find_quantities(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("metoprolol 25mg PO BID", [("25", "mg")]),
    ("400 milligrams, 0.50 mg, .5 mg", [("400", "mg"), ("0.5", "mg"), ("0.5", "mg")]),
    ("5,000 units SC, 10 IU", [("5000", "unit"), ("10", "unit")]),
    ("5 mL, 5 cc, 2 L, 18 mcg, 18 \u00b5g, 1.2 g", [("5", "mL"), ("5", "mL"), ("2", "L"), ("18", "mcg"),
                                                  ("18", "mcg"), ("1.2", "g")]),
    ("2 tablets, two tabs, 2 puffs, 3 drops", [("2", "tablet"), ("2", "tablet"), ("2", "puff"), ("3", "drop")]),
    ("1 mg/kg, 0.1 units/kg/h, 100 mg/dL, 40 mg/day", [("1", "mg/kg"), ("0.1", "unit/kg/hour"),
                                                       ("100", "mg/dL"), ("40", "mg")]),
    ("carbidopa-levodopa 25/250 mg", [("25/250", "mg")]),
    ("BP 120/80, 142/88 mmHg, SpO2 95%", [("120/80", "mmHg"), ("142/88", "mmHg"), ("95", "%")]),
    ("x3d, x 2 days, for 1 wk, 2 wks, x 6h, for 3 mos, 2 years", [("3", "day"), ("2", "day"), ("1", "week"),
                                                                  ("2", "week"), ("6", "hour"), ("3", "month"),
                                                                  ("2", "year")]),
    ("q6h, q4-6h, q8wk", [("6", "hour"), ("6", "hour"), ("8", "week")]),
])
def test_quantities_are_found_and_normalized(text: str, expected: list[tuple[str, str]]) -> None:
    assert _pairs(text) == expected


@pytest.mark.parametrize("text", [
    "73-year-old man, 73 years old, 73 y/o, over 89 years of age",  # ages
    "type 2 diabetes, HbA1c, SpO2, T2DM, PHQ-9 of 12, stage 3",  # digits inside names, bare numbers
    "DOB 10/30/16, 4-18-42, seen 9/9, call 681-465-9024",  # dates and phone numbers
    "max3d, take two",  # no unit, or not at a word start
])
def test_non_quantities_are_ignored(text: str) -> None:
    assert find_quantities(text) == []


def test_surface_and_offsets_are_those_of_the_text() -> None:
    text = "Furosemide 40 mg PO BID"
    (quantity,) = find_quantities(text)
    assert (quantity.surface, text[quantity.start:quantity.end]) == ("40 mg", "40 mg")


def test_spoken_form() -> None:
    assert [spoken(q) for q in find_quantities("x3d, 1 wk, 40mg, 2 puffs, 120/80, 95%, 1 unit/kg/h")] == [
        "3 days", "1 week", "40 mg", "2 puffs", "120/80 mmHg", "95%", "1 unit/kg/hour"]
