"""The top line of every screen: the screens and their keys, the one on view highlighted.

It replaces Textual's header so that the footer below has room for the screen's own keys at
80 columns: the screen keys are always visible here, in full words when the line allows and
in short ones at 80 columns. A click on a screen's name opens it.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widget import Widget

__all__ = ["NavBar", "nav_text"]

#: shorter names for narrow terminals (the key stays the same)
SHORT = {"Dashboard": "Dash", "Summarize": "Summ", "Evaluate": "Eval", "Records": "Recs", "Privacy": "Priv"}


def nav_text(screens: dict[str, tuple[str, str]], current: str, width: int) -> tuple[Text, list[tuple[int, int, str]]]:
    """The line for ``screens`` (mode -> (key, title)) with ``current`` highlighted, in the
    longest form that fits ``width`` cells, and each item's (start, end, mode) for clicks."""
    for prefix, short, gap in ((" MedSum │ ", False, "  "), (" ", False, "  "), (" ", False, " "), (" ", True, " ")):
        text = Text(prefix, style="bold")
        spans: list[tuple[int, int, str]] = []
        for mode, (key, title) in screens.items():
            if spans:
                text.append(gap)
            start = text.cell_len
            label = SHORT.get(title, title) if short else title
            style = "reverse bold" if mode == current else ""
            text.append(key, style=style or "bold underline")
            text.append(f" {label}", style=style)
            spans.append((start, text.cell_len, mode))
        if cell_len(text.plain) <= width:
            return text, spans
    return text, spans


class NavBar(Widget):
    """One line: every screen's key and name; the app's ``NAV`` (mode -> (key, title)) says which."""

    DEFAULT_CSS = """
    NavBar {
        dock: top;
        height: 1;
        width: 100%;
        background: $panel;
        color: $foreground;
    }
    """

    def __init__(self) -> None:
        """No click targets until the first render."""
        super().__init__()
        self._spans: list[tuple[int, int, str]] = []

    def _screens(self) -> dict[str, tuple[str, str]]:
        return getattr(self.app, "NAV", {})  # type: ignore[no-any-return]

    def render(self) -> Text:
        """The line for the current width."""
        text, self._spans = nav_text(self._screens(), str(self.app.current_mode), self.size.width)
        return text

    def on_click(self, event: events.Click) -> None:
        """Open the screen whose name was clicked."""
        for start, end, mode in self._spans:
            if start <= event.x < end:
                self.app.switch_mode(mode)
                return
