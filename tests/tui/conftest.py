"""Pilot fixtures: a fixed terminal size, and a helper that waits for the app's workers."""

from __future__ import annotations

from typing import Any

import pytest
from textual.worker import WorkerCancelled

from tests.tui.fake_backend import FakeBackend

SIZE = (100, 30)


async def settle(app: Any, pilot: Any, rounds: int = 3) -> None:
    """Wait until the workers are done and their messages handled. A worker that a newer one
    of its exclusive group replaced ends cancelled: that is normal, not a failure."""
    for _ in range(rounds):
        try:
            await app.workers.wait_for_complete()
        except WorkerCancelled:
            pass
        await pilot.pause()


def row_text(table: Any, index: int) -> list[str]:
    """The plain text of one table row's cells (the app fills tables with ``Text`` cells)."""
    return [str(cell) for cell in table.get_row_at(index)]


@pytest.fixture
def backend() -> FakeBackend:
    """A fresh fake core for each test."""
    return FakeBackend()


async def open_demo_dataset(app: Any, pilot: Any) -> Any:
    """Go to Records and open the fake backend's dataset (its first record gets selected);
    return the Records screen."""
    from textual.widgets import Select

    await pilot.press("r")
    await settle(app, pilot)
    screen = app.screen
    screen.query_one("#dataset", Select).value = "demo-n2000-s0"
    await settle(app, pilot)
    return screen
