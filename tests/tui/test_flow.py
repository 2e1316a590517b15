"""The issue's whole flow in the TUI, on the real core, from an empty workspace and without the
CLI: import the demo data, train a tiny model with DP on, watch it finish, evaluate it,
summarize a record, and export the compliance report from the Privacy screen."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Checkbox, DataTable, Input, Select, Static

from core.workspace import init_workspace, resolve_workspace
from medsum_tui.tui.app import MedsumApp
from medsum_tui.tui.local import LocalBackend
from tests.tui.conftest import SIZE, row_text, settle


async def _until(app: Any, pilot: Any, check: Any, limit_s: float) -> None:
    deadline = asyncio.get_running_loop().time() + limit_s
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await settle(app, pilot, 1)
        await asyncio.sleep(0.25)


@pytest.mark.slow
def test_from_an_empty_workspace_to_the_compliance_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDSUM_KEYRING", "cryptfile")  # the training child opens the same secrets
    monkeypatch.setenv("MEDSUM_KEYRING_PASSPHRASE", "tui-flow-test")
    location = resolve_workspace(tmp_path / "ws")
    init_workspace(location)
    with location.config_file.open("a", encoding="utf-8") as handle:  # a quick evaluation: greedy, short
        handle.write("\n[generation]\nnum_beams = 1\nmax_new_tokens = 16\n")
    report = tmp_path / "compliance.md"

    async def run() -> None:
        app = MedsumApp(LocalBackend(location))
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("i")  # the demo data import
            await _until(app, pilot, lambda: row_text(app.screen.query_one("#datasets", DataTable), 0)[0]
                         == "demo-n2000-s0", 240)

            await pilot.press("t")  # train with DP on
            await settle(app, pilot)
            screen = app.screen
            screen.query_one("#train-full").value = True
            screen.query_one("#train-max-steps", Input).value = "3"
            screen.query_one("#train-dp", Checkbox).value = True
            screen.query_one("#train-epsilon", Input).value = "8"
            await settle(app, pilot)
            screen.query_one("#train-dataset", Select).focus()
            await pilot.press("l")
            await _until(app, pilot, lambda: screen.planned_form is not None, 60)
            assert "DP plan: epsilon" in str(screen.query_one("#plan", Static).render())
            await pilot.press("g")
            await _until(app, pilot, lambda: screen.run_snapshot.ended, 300)  # watch it finish
            assert screen.run_snapshot.status == "finished", screen.run_snapshot.message
            run_id = screen.run_snapshot.run_id

            await pilot.press("e")  # evaluate it
            await _until(app, pilot, lambda: app.screen.current == run_id, 30)
            await pilot.press("v")
            await _until(app, pilot, lambda: "Evaluated" in str(app.screen.query_one("#eval-status").render()), 300)
            assert app.screen.query_one("#eval-left-table", DataTable).row_count >= 4  # model and 3 baselines

            await pilot.press("r")  # pick a record, then summarize it
            await settle(app, pilot)
            app.screen.query_one("#dataset", Select).value = "demo-n2000-s0"
            await _until(app, pilot, lambda: app.selected is not None, 60)
            await pilot.press("s")
            await settle(app, pilot)
            summarize = app.screen
            await _until(app, pilot, lambda: summarize.query_one("#summarizer", Select).value == f"run:{run_id}", 30)
            summarize.query_one("#summarizer", Select).focus()
            await pilot.press("s")
            await _until(app, pilot, lambda: summarize.view is not None, 120)
            assert "PHI scan" in str(summarize.query_one("#checks", Static).render())

            await pilot.press("p")  # the privacy screen and the report
            await settle(app, pilot)
            privacy = app.screen
            ledger = privacy.query_one("#ledger", DataTable)
            await _until(app, pilot, lambda: ledger.row_count == 1 and row_text(ledger, 0)[0] == run_id, 30)
            assert row_text(ledger, 0)[1] == "yes"  # a private run
            await pilot.press("x")
            privacy.query_one("#report-path", Input).value = str(report)  # set, not typed key by key
            await pilot.press("enter")
            await _until(app, pilot, report.is_file, 60)
    asyncio.run(run())
    text = report.read_text(encoding="utf-8")
    assert "demo-n2000-s0" in text and "DP-SGD" in text
    assert json.loads((tmp_path / "ws" / "datasets" / "demo-n2000-s0" / "dataset.json").read_text())["residual"] == 0
