"""Summarize screen: choose a run, summarize the record picked on Records, read the checks, export."""

from __future__ import annotations

import asyncio
import threading

from rich.text import Text
from textual.widgets import DataTable, Label, OptionList, Select, Static

from medsum_tui.tui.app import MedsumApp
from medsum_tui.tui.backend import RecordSource, SummarizerChoice, SummarySentence, SummaryView
from medsum_tui.tui.screens.summarize import SPAN_STYLES, SummarizeScreen, fidelity_text
from tests.tui.conftest import SIZE, open_demo_dataset, settle
from tests.tui.fake_backend import SUMMARY_SOURCE, FakeBackend


def test_summarize_the_record_picked_on_records(backend: FakeBackend) -> None:
    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("s")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, SummarizeScreen)
            assert "No record selected" in str(screen.query_one("#selected-record", Label).render())
            await pilot.press("s")  # nothing selected: a warning, no call
            await settle(app, pilot)
            assert not any(c == "summarize" for c, _ in backend.calls)
            # pick a record on the Records screen, come back
            await open_demo_dataset(app, pilot)
            await pilot.press("s")
            await settle(app, pilot)
            assert app.screen is screen
            assert "r-000001 of demo-n2000-s0 (test)" in str(screen.query_one("#selected-record", Label).render())
            assert screen.query_one("#summarizer", Select).value == "run:run-1"  # the newest run
            await pilot.press("s")
            await settle(app, pilot)
            source, record_id, choice = backend.calls[-1][1]  # type: ignore[misc]
            assert (source, record_id, choice.name) == (RecordSource("dataset", "demo-n2000-s0", "test"), "r-000001",
                                                        "run-1")
            assert "amoxicillin 500 mg" in str(screen.query_one("#summary", Static).render())
            checks = str(screen.query_one("#checks", Static).render())
            assert "hallucinated): amoxicillin" in checks and "omitted): asthma" in checks
            assert "no new identifier" in checks
            assert not screen.query_one("#working").display
            await pilot.press("x", *"out.json", "enter")
            await settle(app, pilot)
            assert backend.calls[-1] == ("export", ("r-000001", "out.json"))
    asyncio.run(run())


class _GatedBackend(FakeBackend):
    """A backend whose summaries wait until the test lets them finish, as a slow model would."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def summarize(self, source: RecordSource, record_id: str, choice: SummarizerChoice) -> SummaryView:
        """The fake summary, once released."""
        assert self.release.wait(10)
        return super().summarize(source, record_id, choice)


async def _pick(app: MedsumApp, pilot: object, row: int) -> None:
    """Select row ``row`` of the demo dataset on Records, then come back to Summarize."""
    await open_demo_dataset(app, pilot)
    app.screen.query_one("#records", DataTable).move_cursor(row=row)
    await settle(app, pilot)
    await pilot.press("s")  # type: ignore[attr-defined]
    await settle(app, pilot)


async def _summarize_first_record(app: MedsumApp, pilot: object, *, wait: bool = True) -> SummarizeScreen:
    """Pick the first record, press ``s`` on Summarize and (``wait``) let the summary arrive."""
    await _pick(app, pilot, 0)
    screen = app.screen
    assert isinstance(screen, SummarizeScreen)
    await pilot.press("s")  # type: ignore[attr-defined]
    if wait:
        await settle(app, pilot)
    else:
        await pilot.pause()  # type: ignore[attr-defined]
    return screen


def _shown(screen: SummarizeScreen) -> str:
    return "".join(str(screen.query_one(pane, Static).render()) for pane in ("#summary", "#checks", "#provenance"))


def test_changing_the_record_clears_its_summary_and_flags(backend: FakeBackend) -> None:
    """Record A summarized, then record B picked: B's header never stands over A's summary."""
    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            screen = await _summarize_first_record(app, pilot)
            assert "amoxicillin" in _shown(screen) and screen.view is not None
            await _pick(app, pilot, 1)
            assert app.screen is screen
            assert "r-000002" in str(screen.query_one("#selected-record", Label).render())
            assert _shown(screen).strip() == ""  # no summary, no flags, no provenance of record A
            assert screen.view is None
            await pilot.press("c")  # nothing to copy or export under record B
            await pilot.press("x", *"out.json", "enter")
            await settle(app, pilot)
            assert not any(call == "export" for call, _ in backend.calls)
    asyncio.run(run())


def test_a_summary_finishing_after_the_record_changed_is_dropped() -> None:
    """A's summary, still generating when B is picked, never appears under B's header."""
    backend = _GatedBackend()

    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            screen = await _summarize_first_record(app, pilot, wait=False)  # record A: the model still works
            await pilot.press("r")
            await pilot.pause()
            app.screen.query_one("#records", DataTable).move_cursor(row=1)
            await pilot.pause()
            await pilot.press("s")
            await pilot.pause()
            assert "r-000002" in str(screen.query_one("#selected-record", Label).render())
            backend.release.set()  # A's summary finishes now
            await settle(app, pilot)
            assert "amoxicillin" not in _shown(screen)
            assert screen.view is None and screen.summary_for is None
            source, record_id, _ = backend.calls[-1][1]  # type: ignore[misc]
            assert record_id == "r-000001"  # the summary that finished was A's
    asyncio.run(run())


def test_a_new_summary_clears_the_previous_flags_at_once(backend: FakeBackend) -> None:
    """While a new summary is generated, the previous summary's fidelity flags are not shown."""
    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            screen = await _summarize_first_record(app, pilot)
            assert "hallucinated" in _shown(screen)
            screen.action_summarize()  # synchronously: the screen before the worker's answer
            assert "hallucinated" not in _shown(screen) and "Summarizing" in _shown(screen)
            await settle(app, pilot)
            assert "hallucinated" in _shown(screen)  # the new summary, for the same record
    asyncio.run(run())


def _record_styles(screen: SummarizeScreen) -> dict[str, str]:
    """The highlighted pieces of the record pane, text -> style."""
    record = screen.query_one("#record", Static).content  # what the screen put there
    assert isinstance(record, Text)
    return {record.plain[s.start:s.end]: str(s.style) for s in record.spans}


def test_moving_through_the_sentences_highlights_their_sources(backend: FakeBackend) -> None:
    """Each summary sentence lights up its own spans of the de-identified record, best first."""
    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            screen = await _summarize_first_record(app, pilot)
            sentences = screen.query_one("#sentences", OptionList)
            assert sentences.option_count == 3 and sentences.highlighted == 0 and sentences.has_focus
            assert str(screen.query_one("#record", Static).render()) == SUMMARY_SOURCE
            first = _record_styles(screen)
            assert first == {"79 yo F with cough x3 days.": SPAN_STYLES[0], "Cough worse at night.": SPAN_STYLES[1]}
            pane = screen.query_one("#record-pane")
            top = pane.scroll_y
            await pilot.press("down")
            await settle(app, pilot)
            assert _record_styles(screen) == {"F/u in 1 wk.": SPAN_STYLES[0]}
            assert pane.scroll_y > top  # scrolled down to the treatment plan
            await pilot.press("down")  # the unsupported sentence: nothing lights up
            await settle(app, pilot)
            assert _record_styles(screen) == {}
            await pilot.press("up", "up")
            await settle(app, pilot)
            assert _record_styles(screen) == first
    asyncio.run(run())


def test_an_unsupported_sentence_is_flagged_beside_the_fidelity_checks(backend: FakeBackend) -> None:
    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            screen = await _summarize_first_record(app, pilot)
            checks = str(screen.query_one("#checks", Static).render())
            assert "Not supported by the record: 1 sentence(s): “Treated with amoxicillin 500 mg.”" in checks
            prompts = [str(screen.query_one("#sentences", OptionList).get_option_at_index(i).prompt)
                       for i in range(3)]
            assert prompts[2].startswith("⚠ Treated") and not any(p.startswith("⚠") for p in prompts[:2])
            await _pick(app, pilot, 1)  # another record: the sentences and the record pane go too
            assert screen.query_one("#sentences", OptionList).option_count == 0
            assert str(screen.query_one("#record", Static).render()) == ""
    asyncio.run(run())


def test_the_fidelity_text_names_unsupported_sentences_by_their_first_words() -> None:
    sentence = SummarySentence("The patient was also started on warfarin for atrial fibrillation.", False)
    view = SummaryView("r-1", sentence.text, [], [], [], 0, [], {}, 0.1, [sentence], "diagnosis: DM2")
    text = fidelity_text(view).plain
    assert "✓ Every medication" in text  # the entity checks still pass ...
    assert "⚠ Not supported by the record: 1 sentence(s): “The patient was also started on…”" in text  # ... this not
    supported = SummaryView("r-1", "x", [], [], [], 0, [], {}, 0.1, [SummarySentence("Fine.", True)], "")
    assert "Not supported" not in fidelity_text(supported).plain


def test_the_export_holds_the_sentences_and_the_text_their_spans_index_into(backend: FakeBackend) -> None:
    view = backend.summarize(RecordSource("dataset", "d", "test"), "r-1", SummarizerChoice("run", "run-1", "run"))
    data = view.to_json()
    assert data["source_text"] == SUMMARY_SOURCE and [s["supported"] for s in data["sources"]] == [True, True, False]
    span = data["sources"][1]["spans"][0]
    assert SUMMARY_SOURCE[span["start"]:span["end"]] == "F/u in 1 wk." and span["field"] == "treatment_plan"
    assert [SummarySentence.from_json(s) for s in data["sources"]] == view.sentences  # the round trip
