"""SVG snapshots of every screen on fixed fake data, at 80x24 (the SSH terminal many sites
still get) and 120x36, animations and cursor blink off.

Behaviour is asserted by the Pilot tests; these catch layout regressions (a figure or a key
pushed off screen). After a deliberate change of the look:
``pytest tests/tui/test_snapshots.py --snapshot-update``, then review the SVGs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.widgets import DataTable, Input, Label, Select

from medsum_tui.tui.app import MedsumApp
from tests.tui.conftest import settle
from tests.tui.fake_backend import FakeBackend

SIZES = {"80x24": (80, 24), "120x36": (120, 36)}


@pytest.fixture(autouse=True)
def _still(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")


def _app() -> MedsumApp:
    app = MedsumApp(FakeBackend())
    app.cursor_blink = False  # type: ignore[attr-defined]
    return app


async def _no_blink(app: Any) -> None:
    for widget in app.screen.query(Input):
        widget.cursor_blink = False


async def _dashboard(pilot: Any) -> None:
    await settle(pilot.app, pilot)


async def _records(pilot: Any) -> None:
    await pilot.press("r")
    await settle(pilot.app, pilot)
    await _no_blink(pilot.app)
    await pilot.press("o", *"notes.jsonl", "enter")
    # The page loads in one worker, then the row it highlights starts another for the record:
    # wait for what the snapshot shows, not for a number of rounds (a busy machine needs more).
    # The table sizes its columns only when its queue is idle, which under load can come late.
    await _until(pilot, lambda: _records_ready(pilot.app.screen))
    await settle(pilot.app, pilot)


def _records_ready(screen: Any) -> bool:
    """The first page is listed and drawn with its columns sized; its first record is shown."""
    table = screen.query_one("#records", DataTable)
    first = next(iter(table.rows), None)
    return ("records 1" in str(screen.query_one("#page-info", Label).content)
            and "in memory" in str(screen.query_one("#deid-pane Label", Label).content)
            and first is not None
            # the line the screenshot will use, drawn with the sized columns (not a stale cache)
            and str(first.value) in table.render_line(table.header_height).text)


async def _until(pilot: Any, ready: Callable[[], bool], timeout: float = 30.0) -> None:
    """Pause until ``ready()`` holds; fail after ``timeout`` seconds rather than snapshot early."""
    waited = 0.0
    while not ready():
        if waited >= timeout:
            raise AssertionError(f"the screen was not ready after {timeout:.0f} s")
        await settle(pilot.app, pilot, 1)
        await pilot.pause(0.05)
        waited += 0.05


async def _summarize(pilot: Any) -> None:
    await pilot.press("r")
    await settle(pilot.app, pilot)
    await _no_blink(pilot.app)
    pilot.app.screen.query_one("#dataset", Select).value = "demo-n2000-s0"
    await settle(pilot.app, pilot)
    await pilot.press("s")
    await settle(pilot.app, pilot)
    await _no_blink(pilot.app)
    await pilot.press("s")
    await settle(pilot.app, pilot)


async def _train(pilot: Any) -> None:
    await pilot.press("t")
    await settle(pilot.app, pilot)
    await _no_blink(pilot.app)
    pilot.app.screen.query_one("#train-dataset", Select).focus()
    await pilot.press("l")
    await settle(pilot.app, pilot)


async def _evaluate(pilot: Any) -> None:
    await pilot.press("e")
    await settle(pilot.app, pilot)


async def _models(pilot: Any) -> None:
    await pilot.press("m")
    await settle(pilot.app, pilot)
    await _no_blink(pilot.app)


async def _privacy(pilot: Any) -> None:
    await pilot.press("p")
    await settle(pilot.app, pilot)
    await _no_blink(pilot.app)
    pilot.app.screen.query_one("#ledger", DataTable).focus()
    await settle(pilot.app, pilot)


SCREENS: dict[str, Callable[[Any], Awaitable[None]]] = {
    "dashboard": _dashboard, "records": _records, "summarize": _summarize, "train": _train,
    "evaluate": _evaluate, "models": _models, "privacy": _privacy,
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", SCREENS)
def test_screen_snapshot(snap_compare: Any, screen: str, size: str) -> None:
    assert snap_compare(_app(), terminal_size=SIZES[size], run_before=SCREENS[screen])
