"""Tables show untrusted text literally and are drawn at their final column widths at once."""

from __future__ import annotations

import asyncio

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from medsum_tui.tui.app import MedsumApp
from medsum_tui.tui.backend import RecordPage, RecordRow, RecordSource
from medsum_tui.tui.tables import fill_table
from tests.tui.conftest import SIZE, open_demo_dataset, row_text, settle
from tests.tui.fake_backend import FakeBackend

# A record's text as a hostile (or merely unlucky) source could write it: markup to close a tag
# that is not open (Rich raises on it), markup that would recolour the cell, and wide characters.
HOSTILE = "pt seen [/x] then [red]flagged[/red] [link=file:///etc]x[/link] 患者"


class _TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable(id="t")


def _lines(table: DataTable, count: int) -> list[str]:  # type: ignore[type-arg]
    return [table.render_line(y).text for y in range(count)]


def test_cells_are_shown_literally_and_columns_fit_before_the_table_goes_idle() -> None:
    async def run() -> None:
        app = _TableApp()
        async with app.run_test(size=(120, 8)) as pilot:
            table = app.query_one(DataTable)
            table.add_column("id", key="id")
            table.add_column("preview", key="preview")
            fill_table(table, [("r-000001", HOSTILE), ("r-2", "short")], keys=["r-000001", "r-2"])
            # drawn at once, before the idle pass that sizes auto-width columns
            lines = _lines(table, 3)
            assert "r-000001" in lines[1] and HOSTILE in lines[1]
            assert [c.label.plain for c in table.ordered_columns] == ["id", "preview"]
            assert [c.key.value for c in table.ordered_columns] == ["id", "preview"]  # keys survive a refill
            await pilot.pause()
            assert _lines(table, 3) == lines  # the idle pass changes nothing
            assert table.get_row("r-2")[1] == Text("short")
    asyncio.run(run())


def test_styled_cells_the_app_built_keep_their_style_and_new_labels_replace_old() -> None:
    async def run() -> None:
        app = _TableApp()
        async with app.run_test(size=(80, 6)) as pilot:
            table = app.query_one(DataTable)
            fill_table(table, [("a", Text("NO", style="bold red"))], columns=("run", "DP"))
            await pilot.pause()
            cell = table.get_row_at(0)[1]
            assert isinstance(cell, Text) and str(cell.style) == "bold red"
            fill_table(table, [("x", "y", "z")], columns=("one", "two", "three"))
            assert [c.label.plain for c in table.ordered_columns] == ["one", "two", "three"]
            assert table.row_count == 1
    asyncio.run(run())


def test_mismatched_rows_and_keys_are_refused() -> None:
    async def run() -> None:
        app = _TableApp()
        async with app.run_test(size=(80, 6)):
            table = app.query_one(DataTable)
            table.add_columns("a", "b")
            with pytest.raises(ValueError, match="1 cells for 2 columns"):
                fill_table(table, [("only",)])
            with pytest.raises(ValueError, match="2 keys for 1 rows"):
                fill_table(table, [("a", "b")], keys=["k1", "k2"])
    asyncio.run(run())


class _HostileRecords(FakeBackend):
    """The fake core, with a record whose de-identified preview carries markup."""

    def records(self, source: RecordSource, *, offset: int, limit: int, query: str = "") -> RecordPage:
        page = super().records(source, offset=offset, limit=limit, query=query)
        return RecordPage([RecordRow(page.rows[0].record_id, HOSTILE), *page.rows[1:]], page.offset, page.total)


def test_a_record_with_markup_in_its_text_is_listed_not_a_crash() -> None:
    async def run() -> None:
        app = MedsumApp(_HostileRecords())
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_demo_dataset(app, pilot)
            await settle(app, pilot)
            table = screen.query_one("#records", DataTable)
            assert app.is_running and row_text(table, 0)[1] == HOSTILE
            assert HOSTILE[:40] in table.render_line(1).text
    asyncio.run(run())
