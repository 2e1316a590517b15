"""At 80x24, the size of many SSH terminals, every screen still shows its headline figures and
a way to reach every key: the top line names every screen's key, the footer the screen's own
keys, ? (the full list) and q."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest

from medsum_tui.tui.app import SCREENS, MedsumApp
from medsum_tui.tui.navbar import nav_text
from tests.tui.conftest import open_demo_dataset, settle
from tests.tui.fake_backend import FakeBackend

SMALL = (80, 24)


def _lines(app: MedsumApp) -> list[str]:
    """The screen as it is painted, one string per row."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def _show(app: MedsumApp, pilot: Any, mode: str) -> None:
    await settle(app, pilot)
    if mode == "records":  # with a dataset open
        await open_demo_dataset(app, pilot)
        return
    if mode == "summarize":  # with a summary on it: the checks must fit too
        await open_demo_dataset(app, pilot)
        await pilot.press("s")
        await settle(app, pilot)
        await pilot.press("s")
    else:
        await pilot.press(SCREENS[mode][0])
    await settle(app, pilot)


#: what each screen must show at 80x24, besides its keys (the fake backend's figures)
HEADLINES = {
    "dashboard": ["finished", "600/600", "0.693"],
    "records": ["records 1–50 of 120"],
    "summarize": ["Not in the record (hallucinated)", "Not supported by the record"],
    "train": ["Dataset", "Target ε", "Privacy unit", "Override reason", "Plan (l)"],
    "evaluate": ["ROUGE-L", "fid. precision", "fid. recall", "0.693", "0.912"],
    "models": ["demo-tiny-t5", "1,150,464"],
    "privacy": ["epsilon", "status", "steps", "settled", "MAC chain intact"],
}


@pytest.mark.parametrize("mode", list(SCREENS))
def test_every_key_and_headline_is_on_screen_at_80x24(mode: str) -> None:
    async def run() -> None:
        app = MedsumApp(FakeBackend())
        async with app.run_test(size=SMALL) as pilot:
            await _show(app, pilot, mode)
            lines = _lines(app)
            top, footer, text = lines[0], lines[-1], "\n".join(lines)
            for key, title in app.NAV.values():
                assert f"{key} {title}" in top, (mode, key)
            for binding in type(app.screen).BINDINGS:
                if binding.show:  # type: ignore[union-attr]
                    first = replace(binding, key=binding.key.split(",")[0])  # type: ignore[union-attr,type-var]
                    shown = app.get_key_display(first)  # the footer shows a binding's first key
                    assert f"{shown} {binding.description}" in footer, (mode, binding)  # type: ignore[union-attr]
            assert "? Keys" in footer and "q Quit" in footer
            for figure in HEADLINES[mode]:
                assert figure in text, (mode, figure)
    asyncio.run(run())


def test_the_top_line_shortens_before_it_drops_a_screen() -> None:
    screens = {mode: (key, title) for mode, (key, title, _) in SCREENS.items()}
    for width in (120, 80, 72, 60):
        text, spans = nav_text(screens, "records", width)
        assert text.cell_len <= width
        assert [mode for _, _, mode in spans] == list(SCREENS)  # every screen, always
        assert all(f"{key} " in text.plain for key, _ in screens.values())
