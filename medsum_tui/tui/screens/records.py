"""Records: browse a dataset split or a local JSON file, search it, and read one record with its
PHI highlighted: raw beside de-identified for a local file, de-identified only for a dataset."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Footer, Input, Label, Select, Static

from medsum_tui.tui.backend import RecordPage, RecordSource, RecordView
from medsum_tui.tui.highlight import highlighted
from medsum_tui.tui.navbar import NavBar
from medsum_tui.tui.screens.base import MedsumScreen
from medsum_tui.tui.tables import fill_table

__all__ = ["PAGE_SIZE", "RecordsScreen"]

PAGE_SIZE = 50
SPLITS = ("test", "validation", "train")


class RecordsScreen(MedsumScreen):
    """A paged, searchable record list and a record view. All loading happens in workers."""

    HOME = "#records"
    BINDINGS = [
        Binding("right_square_bracket", "page(1)", "Next page", id="records.next_page"),
        Binding("left_square_bracket", "page(-1)", "Previous page", id="records.prev_page"),
        Binding("slash", "focus_search", "Search", id="records.search"),
        Binding("o", "focus_file", "Open file", id="records.open_file"),
    ]

    class Names(Message):
        """The workspace's dataset names."""

        def __init__(self, names: list[str]) -> None:
            """Carry the names."""
            super().__init__()
            self.names = names

    class Page(Message):
        """A page of records."""

        def __init__(self, source: RecordSource, page: RecordPage) -> None:
            """Carry the page and where it came from."""
            super().__init__()
            self.source = source
            self.page = page

    class Shown(Message):
        """One record, ready to show."""

        def __init__(self, view: RecordView) -> None:
            """Carry the view."""
            super().__init__()
            self.view = view

    def __init__(self) -> None:
        """No source until the user picks one."""
        super().__init__()
        self.record_source: RecordSource | None = None
        self.page_offset = 0
        self.page_total = 0

    def compose(self) -> ComposeResult:
        """Pickers on top, the list, then the two record views side by side."""
        yield NavBar()
        with Horizontal(id="record-source"):
            yield Select[str]([], prompt="dataset", id="dataset", allow_blank=True)
            yield Select[str]([(s, s) for s in SPLITS], value="test", id="split", allow_blank=False)
            yield Input(placeholder="…or a local .json/.jsonl file, then Enter", id="file")
        yield Input(placeholder="search ids and text, then Enter", id="search")
        yield Label("Pick a dataset or open a file.", id="page-info")
        yield DataTable(id="records", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="record-views"):
            with Vertical(id="raw-pane"):
                yield Label("raw (local files only)", classes="pane-title")
                with VerticalScroll():
                    yield Static("", id="raw")
            with Vertical(id="deid-pane"):
                yield Label("de-identified", classes="pane-title")
                with VerticalScroll():
                    yield Static("", id="deid")
        yield Footer()

    def on_mount(self) -> None:
        """Set the columns and ask for the dataset names."""
        self.query_one("#records", DataTable).add_columns("id", "preview (de-identified)")
        self.query_one("#dataset", Select).focus()  # the cursor starts on the first choice to make
        self.load_names()

    @work(thread=True, exclusive=True, exit_on_error=False, group="records-names")
    def load_names(self) -> None:
        """The dataset picker's options."""
        self.post_message(self.Names(self.app.backend.dataset_names()))  # type: ignore[attr-defined]

    def on_records_screen_names(self, message: Names) -> None:
        """Fill the dataset picker."""
        self.query_one("#dataset", Select).set_options([(n, n) for n in message.names])

    # -- choosing a source ---------------------------------------------------------------
    @on(Select.Changed, "#dataset")
    @on(Select.Changed, "#split")
    def _dataset_changed(self) -> None:
        name = self.query_one("#dataset", Select).value
        if isinstance(name, str):
            split = str(self.query_one("#split", Select).value)
            self.open_source(RecordSource("dataset", name, split))
            self.focus_home()

    @on(Input.Submitted, "#file")
    def _file_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.open_source(RecordSource("file", event.value.strip()))
            self.focus_home()

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        if self.record_source is not None:
            self.page_offset = 0
            self.load_page(self.record_source, 0, self.query_one("#search", Input).value)
        self.focus_home()

    def open_source(self, source: RecordSource) -> None:
        """Show the first page of ``source``."""
        self.record_source = source
        self.page_offset = 0
        self.query_one("#page-info", Label).update(Text(f"Loading {source.label}…"))
        self.load_page(source, 0, self.query_one("#search", Input).value)

    def action_page(self, step: int) -> None:
        """Move one page forward or back."""
        if self.record_source is None:
            return
        offset = self.page_offset + step * PAGE_SIZE
        if 0 <= offset < max(self.page_total, 1):
            self.load_page(self.record_source, offset, self.query_one("#search", Input).value)

    def action_focus_search(self) -> None:
        """Put the cursor in the search box."""
        self.query_one("#search", Input).focus()

    def action_focus_file(self) -> None:
        """Put the cursor in the file box."""
        self.query_one("#file", Input).focus()

    @work(thread=True, exclusive=True, exit_on_error=False, group="records-page")
    def load_page(self, source: RecordSource, offset: int, query: str) -> None:
        """Read one page (blocking) and post it."""
        page = self.app.backend.records(source, offset=offset, limit=PAGE_SIZE, query=query)  # type: ignore[attr-defined]
        self.post_message(self.Page(source, page))

    def on_records_screen_page(self, message: Page) -> None:
        """Show the page."""
        if message.source != self.record_source:
            return  # the user picked another source meanwhile
        page = message.page
        self.page_offset, self.page_total = page.offset, page.total
        fill_table(self.query_one("#records", DataTable), [(row.record_id, row.preview) for row in page.rows],
                   keys=[row.record_id for row in page.rows])
        if not page.rows:
            self._clear_record()
        last = page.offset + len(page.rows)
        self.query_one("#page-info", Label).update(Text(
            f"{message.source.label}: records {page.offset + 1 if page.rows else 0}–{last} of {page.total}"
            + ("   [ and ] change page" if page.total > PAGE_SIZE else "")))

    # -- one record ----------------------------------------------------------------------
    def _clear_record(self) -> None:
        """No row to show (a search matched nothing): empty both views and select nothing, so
        neither this screen nor Summarize shows a record that is not in the list."""
        self.app.selected = None  # type: ignore[attr-defined]
        self.query_one("#raw", Static).update("")
        self.query_one("#deid", Static).update("")
        self.query_one("#deid-pane Label", Label).update(Text("de-identified"))

    @on(DataTable.RowHighlighted, "#records")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.record_source is not None and event.row_key.value is not None:
            self.app.selected = (self.record_source, event.row_key.value)  # type: ignore[attr-defined]
            self.load_record(self.record_source, event.row_key.value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="records-one")
    def load_record(self, source: RecordSource, record_id: str) -> None:
        """Read and de-identify one record (blocking) and post it."""
        self.post_message(self.Shown(self.app.backend.record(source, record_id)))  # type: ignore[attr-defined]

    def on_records_screen_shown(self, message: Shown) -> None:
        """Show both views (unless the record is no longer the selected one)."""
        view = message.view
        selected = self.app.selected  # type: ignore[attr-defined]
        if selected is None or selected[1] != view.record_id:
            return
        raw = self.query_one("#raw", Static)
        if view.raw is None:
            raw.update("(not available: a dataset holds only de-identified text)")
        else:
            raw.update(highlighted(view.raw, view.raw_highlights))
        self.query_one("#deid", Static).update(highlighted(view.deidentified, view.deidentified_highlights))
        self.query_one("#deid-pane Label", Label).update(Text(f"de-identified ({view.note})" if view.note
                                                               else "de-identified"))
