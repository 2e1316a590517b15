"""A few SVG snapshots of the app on fixed fake data at 100x30, animations and cursor blink off.

Behaviour is asserted by the Pilot tests; these catch layout regressions. After a deliberate
change of the look: ``pytest tests/tui/test_snapshots.py --snapshot-update``, then review the SVGs.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import DataTable, Input, Select

from medsum_tui.tui.app import MedsumApp
from tests.tui.conftest import SIZE, settle
from tests.tui.fake_backend import FakeBackend


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


def test_dashboard_snapshot(snap_compare: Any) -> None:
    async def ready(pilot: Any) -> None:
        await settle(pilot.app, pilot)

    assert snap_compare(_app(), terminal_size=SIZE, run_before=ready)


def test_records_file_view_snapshot(snap_compare: Any) -> None:
    async def ready(pilot: Any) -> None:
        await pilot.press("r")
        await settle(pilot.app, pilot)
        await _no_blink(pilot.app)
        await pilot.press("o", *"notes.jsonl", "enter")
        await settle(pilot.app, pilot)
        pilot.app.screen.query_one("#records", DataTable).focus()
        await settle(pilot.app, pilot)

    assert snap_compare(_app(), terminal_size=SIZE, run_before=ready)


def test_privacy_snapshot(snap_compare: Any) -> None:
    async def ready(pilot: Any) -> None:
        await pilot.press("p")
        await settle(pilot.app, pilot)
        await _no_blink(pilot.app)
        pilot.app.screen.query_one("#ledger", DataTable).focus()
        await settle(pilot.app, pilot)

    assert snap_compare(_app(), terminal_size=SIZE, run_before=ready)


def test_train_form_snapshot(snap_compare: Any) -> None:
    async def ready(pilot: Any) -> None:
        await pilot.press("t")
        await settle(pilot.app, pilot)
        await _no_blink(pilot.app)
        pilot.app.screen.query_one("#train-dataset", Select).focus()
        await pilot.press("l")
        await settle(pilot.app, pilot)

    assert snap_compare(_app(), terminal_size=SIZE, run_before=ready)
