"""Numbers with units in clinical text: doses, volumes, counts, durations and blood pressures.

``find_quantities("metoprolol 25mg PO BID x3d, BP 142/88")`` finds 25 mg, 3 days and 142/88
mmHg. Values are normalized (``5,000`` -> ``5000``, ``.50`` -> ``0.5``, ``two`` -> ``2``) and
units folded to one spelling (``milligrams`` -> ``mg``, ``wks`` -> ``week``), so that two
quantities are the same exactly when value and unit are. A number without a unit is not a
quantity (except a blood pressure such as ``120/80``), and neither is an age ("73-year-old",
"73 y/o"). Quantities written right after ``x`` or ``q`` (``x3d``, ``q6h``) count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

__all__ = ["TIME_UNITS", "Quantity", "find_quantities", "spoken"]

# Folded unit -> its spellings (matched case-insensitively, longest first).
_UNITS: dict[str, tuple[str, ...]] = {
    "mg": ("mg", "mgs", "milligram", "milligrams"),
    "mcg": ("mcg", "\u00b5g", "\u03bcg", "ug", "microgram", "micrograms"),
    "g": ("g", "gm", "gms", "gram", "grams"),
    "kg": ("kg", "kgs", "kilogram", "kilograms"),
    "ng": ("ng", "nanogram", "nanograms"),
    "mL": ("ml", "mls", "milliliter", "milliliters", "millilitre", "millilitres", "cc", "ccs"),
    "L": ("l", "liter", "liters", "litre", "litres"),
    "dL": ("dl", "deciliter", "deciliters"),
    "unit": ("unit", "units", "u", "iu", "international units"),
    "mEq": ("meq",),
    "mmol": ("mmol", "millimole", "millimoles"),
    "mmHg": ("mmhg",),
    "%": ("%", "percent"),
    "tablet": ("tablet", "tablets", "tab", "tabs"),
    "capsule": ("capsule", "capsules", "cap", "caps"),
    "puff": ("puff", "puffs"),
    "drop": ("drop", "drops", "gtt", "gtts"),
    "spray": ("spray", "sprays"),
    "patch": ("patch", "patches"),
    "minute": ("min", "mins", "minute", "minutes"),
    "hour": ("h", "hr", "hrs", "hour", "hours"),
    "day": ("d", "day", "days"),
    "week": ("wk", "wks", "week", "weeks"),
    "month": ("mo", "mos", "month", "months"),
    "year": ("y", "yr", "yrs", "year", "years"),
    "degC": ("\u00b0c", "\u00b0 c"),
    "degF": ("\u00b0f", "\u00b0 f"),
}
#: The folded units that measure time.
TIME_UNITS = frozenset({"minute", "hour", "day", "week", "month", "year"})
_PLURAL = {"minute": "minutes", "hour": "hours", "day": "days", "week": "weeks", "month": "months",
           "year": "years", "tablet": "tablets", "capsule": "capsules", "puff": "puffs", "drop": "drops",
           "spray": "sprays", "patch": "patches", "unit": "units"}
_WORD_NUMBERS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
                 "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12"}

_SPELLING = {spelling: unit for unit, spellings in _UNITS.items() for spelling in spellings}
_UNIT_ALT = "|".join(re.escape(s) for s in sorted(_SPELLING, key=len, reverse=True))
_NUMBER = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
_WORDS = "|".join(_WORD_NUMBERS)
_QUANTITY = re.compile(
    rf"(?:(?<![\w.,/])|(?<=\b[xXqQ]))"  # no letter, digit or separator before, except x3d / q6h
    rf"(?P<value>{_NUMBER}(?:/{_NUMBER})?|(?i:{_WORDS}))"
    rf"(?:(?:\s*-\s*|\s?)(?P<unit>(?i:{_UNIT_ALT})(?:\s?/\s?(?i:{_UNIT_ALT}))*))?"
    rf"(?![\w/])"
)
_AGE_AFTER = re.compile(r"\s*(?:-\s*|\s)?(?:old\b|o\b|/o\b|\.o\.|of\s+age\b)", re.IGNORECASE)
_BP = re.compile(r"\d{2,3}/\d{2,3}")


@dataclass(frozen=True)
class Quantity:
    """A number with its unit as found in a text: ``value`` and ``unit`` normalized
    (``"40"``, ``"mg"``; ``"120/80"``, ``"mmHg"``), ``surface`` as written at ``start:end``."""

    value: str
    unit: str
    surface: str
    start: int
    end: int


def _normal_number(text: str) -> str:
    text = _WORD_NUMBERS.get(text.casefold(), text).replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text
    return format(number.normalize(), "f")


def _normal_value(text: str) -> str:
    return "/".join(_normal_number(part) for part in text.split("/"))


def _normal_unit(text: str) -> str:
    parts = [_SPELLING[" ".join(part.split()).casefold()] for part in re.split(r"\s?/\s?", text)]
    if len(parts) > 1 and parts[-1] == "day":  # a daily dose: "40 mg/day" is "40 mg" given daily
        parts.pop()
    return "/".join(parts)


def find_quantities(text: str) -> list[Quantity]:
    """The quantities of ``text`` in order: numbers with a unit, and blood pressures."""
    found: list[Quantity] = []
    for match in _QUANTITY.finditer(text):
        raw_value, raw_unit = match.group("value"), match.group("unit")
        if raw_unit is None:
            if not _BP.fullmatch(raw_value):
                continue
            unit = "mmHg"
        else:
            unit = _normal_unit(raw_unit)
            if unit.split("/")[0] == "year" and _AGE_AFTER.match(text, match.end()):
                continue
        if raw_value.casefold() in _WORD_NUMBERS and raw_unit is None:
            continue
        found.append(Quantity(_normal_value(raw_value), unit, match.group(), match.start(), match.end()))
    return found


def spoken(quantity: Quantity) -> str:
    """The quantity as a summary writes it: ``3 days``, ``1 week``, ``40 mg``, ``120/80 mmHg``."""
    first, _, rest = quantity.unit.partition("/")
    if quantity.value != "1" and first in _PLURAL:
        first = _PLURAL[first]
    unit = first + ("/" + rest if rest else "")
    if unit in ("degC", "degF"):
        return f"{quantity.value} \u00b0{unit[-1]}"
    return f"{quantity.value}{'' if unit == '%' else ' '}{unit}"
