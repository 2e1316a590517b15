"""Privacy screen: the empirical privacy audits, beside the accountant's epsilon, with the
defect statement; hidden while no run has been audited."""

from __future__ import annotations

import asyncio
import dataclasses

from textual.widgets import Static

from medsum_tui.tui.app import MedsumApp
from medsum_tui.tui.backend import PrivacyView
from medsum_tui.tui.screens.privacy import PrivacyScreen
from tests.tui.conftest import SIZE, settle
from tests.tui.fake_backend import FakeBackend

LINE = ("run-dp: empirical epsilon lower bound 2.40 at 95% confidence (accountant's epsilon 2.00); 100 canaries, "
        "40/40 guesses right, membership AUC 0.990 — DEFECT: the lower bound is above the accountant's epsilon")


class AuditedBackend(FakeBackend):
    """The fake backend, with one audited run whose bound is above its epsilon."""

    def privacy(self) -> PrivacyView:
        """The fake view plus an audit line."""
        return dataclasses.replace(super().privacy(), audits=[LINE])


def _empirical(backend: FakeBackend) -> tuple[bool, str]:
    shown: list[tuple[bool, str]] = []

    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("p")
            await settle(app, pilot)
            assert isinstance(app.screen, PrivacyScreen)
            widget = app.screen.query_one("#empirical", Static)
            shown.append((bool(widget.display), str(widget.render())))
    asyncio.run(run())
    return shown[0]


def test_an_audited_run_shows_its_bound_and_the_defect_statement() -> None:
    display, text = _empirical(AuditedBackend())
    assert display and LINE in text
    assert "A lower bound ABOVE the accountant's epsilon means a defect in the DP mechanism or its accounting." in text


def test_no_audit_no_section(backend: FakeBackend) -> None:
    display, _ = _empirical(backend)
    assert not display
