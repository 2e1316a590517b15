"""Filling a DataTable with data the app does not control (record text, run ids, paths).

Two things DataTable does by itself are wrong for that data:
- it reads a ``str`` cell as Rich markup, so a record whose text holds ``[/x]`` raised a
  MarkupError that closed the whole app, and ``[red]`` in a note changed its colour;
- it sizes auto-width columns only when its message queue goes idle, and a line drawn before
  that stays cached with the old widths (Textual issues #3533, #4470): on a busy workstation
  the Records list showed ids cut to ``r-`` until the cursor moved.

``fill_table`` shows every cell as plain text and gives each column its width up front.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable

__all__ = ["fill_table", "plain_cell"]


def plain_cell(value: object) -> Text:
    """A cell's value as text shown literally (markup characters included); styled ``Text``
    the app built itself is kept as it is."""
    return value if isinstance(value, Text) else Text(str(value), end="")


def _width(cell: Text) -> int:
    """Cells a value needs on one line (a table row shows the first line only)."""
    return max((cell_len(line) for line in cell.plain.split("\n")), default=0)


def fill_table(table: DataTable, rows: Sequence[Sequence[object]], *,  # type: ignore[type-arg]
               keys: Sequence[str] | None = None, columns: Sequence[str] | None = None) -> None:
    """Replace all rows of ``table`` with ``rows`` (optionally keyed by ``keys``), shown as
    plain text, each column as wide as its widest cell or label. ``columns`` gives new column
    labels; without it the table's current columns are kept."""
    if keys is not None and len(keys) != len(rows):
        raise ValueError(f"fill_table: {len(keys)} keys for {len(rows)} rows")
    if columns is not None:
        heads = [(None, Text(label)) for label in columns]
    else:
        heads = [(column.key.value, column.label) for column in table.ordered_columns]
    cells = [[plain_cell(value) for value in row] for row in rows]
    for row in cells:
        if len(row) != len(heads):
            raise ValueError(f"fill_table: a row of {len(row)} cells for {len(heads)} columns")
    table.clear(columns=True)
    for index, (key, label) in enumerate(heads):
        width = max([_width(label), *(_width(row[index]) for row in cells)])
        table.add_column(label, width=width, key=key)
    for index, row in enumerate(cells):
        table.add_row(*row, key=None if keys is None else keys[index])
