"""Colour PHI spans by category, for the record views."""

from __future__ import annotations

from rich.text import Text

from medsum_tui.tui.backend import Highlight

__all__ = ["CATEGORY_STYLES", "highlighted"]

#: One style per PHI family, so a reviewer can tell names from dates from ids at a glance.
CATEGORY_STYLES: dict[str, str] = {
    "NAME": "bold black on #e5c07b", "DATE": "black on #61afef", "AGE": "black on #61afef",
    "PHONE": "black on #c678dd", "FAX": "black on #c678dd", "EMAIL": "black on #c678dd", "URL": "black on #c678dd",
    "IP": "black on #c678dd", "ADDRESS": "black on #98c379", "CITY": "black on #98c379", "ZIP": "black on #98c379",
    "FACILITY": "black on #56b6c2",
}
_ID_STYLE = "black on #e06c75"  # SSN, MRN, account, plan, licence, device, vehicle, other ids


def highlighted(text: str, highlights: list[Highlight]) -> Text:
    """``text`` as Rich text with each span styled by its category."""
    out = Text(text)
    for h in highlights:
        out.stylize(CATEGORY_STYLES.get(h.category, _ID_STYLE), h.start, h.end)
    return out
