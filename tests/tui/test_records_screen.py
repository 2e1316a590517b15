"""Records screen: pick a dataset or a file, page, search, and read a record with PHI highlighted."""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual.widgets import DataTable, Input, Label, Select, Static

from medsum_tui.tui.app import MedsumApp
from medsum_tui.tui.backend import RecordSource
from medsum_tui.tui.highlight import CATEGORY_STYLES
from medsum_tui.tui.screens.records import PAGE_SIZE, RecordsScreen
from tests.tui.conftest import SIZE, settle
from tests.tui.fake_backend import FakeBackend


def _styled(static: Static) -> list[tuple[str, str]]:
    """(span text, category) for each styled span of a record view."""
    text = static.content
    assert isinstance(text, Text)
    by_style: dict[str, str] = {}
    for category, style in CATEGORY_STYLES.items():  # a shared style names its first category (DATE, not AGE)
        by_style.setdefault(style, category)
    return [(text.plain[s.start:s.end], by_style.get(str(s.style), "?")) for s in text.spans]


def test_dataset_pages_search_and_deidentified_view(backend: FakeBackend) -> None:
    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, RecordsScreen)
            screen.query_one("#dataset", Select).value = "demo-n2000-s0"
            await settle(app, pilot)
            table = screen.query_one("#records", DataTable)
            assert table.row_count == PAGE_SIZE
            assert "records 1–50 of 120" in str(screen.query_one("#page-info", Label).render())
            table.focus()
            await pilot.press("right_square_bracket")
            await settle(app, pilot)
            assert "records 51–100 of 120" in str(screen.query_one("#page-info", Label).render())
            await pilot.press("right_square_bracket", "right_square_bracket")  # the last page, then no further
            await settle(app, pilot)
            assert table.row_count == 20
            # the highlighted row is shown: de-identified only, tags coloured by category
            assert backend.calls[-1][0] == "record"
            assert "not available" in str(screen.query_one("#raw", Static).render())
            spans = _styled(screen.query_one("#deid", Static))
            assert spans == [("[NAME]", "NAME"), ("[DATE]", "DATE"), ("[NAME]", "NAME")]
            # search
            await pilot.press("slash")
            assert screen.query_one("#search", Input).has_focus
            await pilot.press(*"00011", "enter")
            await settle(app, pilot)
            assert table.row_count == 11 and "of 11" in str(screen.query_one("#page-info", Label).render())
            assert backend.calls[-2][1] == (RecordSource("dataset", "demo-n2000-s0", "test"), 0, PAGE_SIZE, "00011")
    asyncio.run(run())


def test_local_file_shows_raw_and_deidentified_side_by_side(backend: FakeBackend) -> None:
    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r")
            await settle(app, pilot)
            screen = app.screen
            await pilot.press("o")
            assert screen.query_one("#file", Input).has_focus
            await pilot.press(*"notes.jsonl", "enter")
            await settle(app, pilot)
            raw = _styled(screen.query_one("#raw", Static))
            assert raw == [("Maria Lopez", "NAME"), ("1950-03-14", "DATE"), ("Chen", "NAME")]
            assert "[NAME]" in str(screen.query_one("#deid", Static).render())
            assert backend.calls[-1] == ("record", (RecordSource("file", "notes.jsonl"), "r-000001"))
    asyncio.run(run())
