"""How dates, phone numbers and ages are written in the synthetic notes.

Month and weekday names come from fixed English tables rather than ``strftime`` so the
output never depends on the process locale.
"""

from __future__ import annotations

import random
from datetime import date

__all__ = [
    "DATE_STYLES", "FULL_DATE_STYLES", "MONTHS", "PHONE_STYLES", "WEEKDAYS",
    "age_on", "format_date", "format_phone", "random_phone_digits",
]

MONTHS: tuple[str, ...] = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
WEEKDAYS: tuple[str, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Styles that keep the year (fit for a date of birth) and partial ones (month and day only).
FULL_DATE_STYLES: tuple[str, ...] = (
    "mdy_slash",  # 03/14/2023
    "iso",  # 2023-03-14
    "long",  # March 14, 2023
    "dmy_abbr",  # 14 Mar 2023
    "mdy_dash_short",  # 3-14-23
    "dmy_dot",  # 14.03.2023
    "weekday_long",  # Tuesday, March 14, 2023
    "mdy_slash_short",  # 3/14/23
)
DATE_STYLES: tuple[str, ...] = FULL_DATE_STYLES + (
    "mon_day",  # Mar 14
    "md_slash",  # 3/14
)


def format_date(d: date, style: str) -> str:
    """Write ``d`` in one of :data:`DATE_STYLES`; ValueError for an unknown style."""
    month = MONTHS[d.month - 1]
    if style == "mdy_slash":
        return f"{d.month:02d}/{d.day:02d}/{d.year}"
    if style == "iso":
        return d.isoformat()
    if style == "long":
        return f"{month} {d.day}, {d.year}"
    if style == "dmy_abbr":
        return f"{d.day} {month[:3]} {d.year}"
    if style == "mdy_dash_short":
        return f"{d.month}-{d.day}-{d.year % 100:02d}"
    if style == "dmy_dot":
        return f"{d.day:02d}.{d.month:02d}.{d.year}"
    if style == "weekday_long":
        return f"{WEEKDAYS[d.weekday()]}, {month} {d.day}, {d.year}"
    if style == "mdy_slash_short":
        return f"{d.month}/{d.day}/{d.year % 100:02d}"
    if style == "mon_day":
        return f"{month[:3]} {d.day}"
    if style == "md_slash":
        return f"{d.month}/{d.day}"
    raise ValueError(f"unknown date style {style!r}")


PHONE_STYLES: tuple[str, ...] = (
    "paren",  # (555) 123-4567
    "dash",  # 555-123-4567
    "dot",  # 555.123.4567
    "intl",  # +1 555 123 4567
    "digits",  # 5551234567
)


def format_phone(digits: str, style: str) -> str:
    """Write a 10-digit NANP number in one of :data:`PHONE_STYLES`."""
    if len(digits) != 10 or not digits.isdigit():
        raise ValueError("a phone number needs exactly 10 digits")
    a, b, c = digits[:3], digits[3:6], digits[6:]
    if style == "paren":
        return f"({a}) {b}-{c}"
    if style == "dash":
        return f"{a}-{b}-{c}"
    if style == "dot":
        return f"{a}.{b}.{c}"
    if style == "intl":
        return f"+1 {a} {b} {c}"
    if style == "digits":
        return digits
    raise ValueError(f"unknown phone style {style!r}")


def random_phone_digits(rng: random.Random) -> str:
    """A plausible 10-digit US number (area code and exchange never start with 0 or 1)."""
    area = rng.randint(201, 989)
    while area % 100 == 11:
        area = rng.randint(201, 989)
    exchange = rng.randint(200, 999)
    return f"{area}{exchange}{rng.randint(0, 9999):04d}"


def age_on(born: date, on: date) -> int:
    """Whole years from ``born`` to ``on``."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
