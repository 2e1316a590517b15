"""Summarize: pick a finished run or a model, summarize the record selected on the Records
screen, and read the summary with its fidelity warnings and PHI scan; copy or export it.

Below the summary, its sentences are listed beside the de-identified model input: moving
through the sentences highlights the spans of the record that support each one (the best
span strongest) and scrolls to the first; a sentence nothing supports is marked ⚠."""

from __future__ import annotations

import logging

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import (
    Button,
    Footer,
    Input,
    Label,
    LoadingIndicator,
    OptionList,
    Select,
    Static,
)
from textual.widgets.option_list import Option

from medsum_tui.tui.backend import RecordSource, SummarizerChoice, SummarySentence, SummaryView
from medsum_tui.tui.navbar import NavBar
from medsum_tui.tui.screens.base import Exported, MedsumScreen, confirm_export

__all__ = ["SPAN_STYLES", "SummarizeScreen", "fidelity_text", "sentence_prompt", "supported_record"]

#: The record pane's styles for a sentence's supporting spans, best first; later ones reuse the last.
SPAN_STYLES = ("bold black on #e5c07b", "black on #a08a5a", "black on #6b6250")
_FIRST_WORDS = 6


def _first_words(text: str) -> str:
    words = text.split()
    return " ".join(words[:_FIRST_WORDS]) + ("…" if len(words) > _FIRST_WORDS else "")


def sentence_prompt(sentence: SummarySentence) -> Text:
    """One summary sentence as the sentence list shows it: marked ⚠ when nothing supports it."""
    if sentence.supported:
        return Text("  " + sentence.text)
    return Text.assemble(("⚠ ", "bold yellow"), (sentence.text, "yellow"))


def supported_record(source_text: str, sentence: SummarySentence | None) -> Text:
    """The de-identified model input with ``sentence``'s supporting spans highlighted, the best
    one strongest (spans are drawn weakest first, so an overlap shows the stronger style)."""
    out = Text(source_text)
    if sentence is not None:
        for rank, span in reversed(list(enumerate(sentence.spans))):
            out.stylize(SPAN_STYLES[min(rank, len(SPAN_STYLES) - 1)], span.start, span.end)
    return out

_log = logging.getLogger(__name__)


def fidelity_text(view: SummaryView) -> Text:
    """The warnings a clinician must see before trusting the summary, or a plain all-clear."""
    out = Text()
    for title, items in (("Not in the record (hallucinated)", view.hallucinated),
                         ("In the record but missing (omitted)", view.omitted),
                         ("Numbers or doses not in the record", view.number_errors)):
        if items:
            out.append(f"⚠ {title}: ", style="bold yellow")
            out.append(", ".join(items) + "\n")
    if not out.plain:
        out.append("✓ Every medication, condition and number in the summary is in the record.\n", style="green")
    unsupported = [s for s in view.sentences if not s.supported]
    if unsupported:
        out.append(f"⚠ Not supported by the record: {len(unsupported)} sentence(s): ", style="bold yellow")
        out.append("; ".join(f"“{_first_words(s.text)}”" for s in unsupported) + "\n")
    if view.phi_new:
        out.append(f"⚠ PHI scan: {view.phi_new} identifier(s) the model wrote that its input does not hold "
                   f"({', '.join(view.phi_categories)})\n", style="bold red")
    else:
        found = f" ({len(view.phi_categories)} carried over from the record: {', '.join(view.phi_categories)})" \
            if view.phi_categories else ""
        out.append(f"✓ PHI scan: no new identifier{found}\n", style="green")
    return out


class SummarizeScreen(MedsumScreen):
    """One record's summary, generated in a worker, with what to check before using it."""

    HOME = "#sentences"
    JOBS = {"summarize": "summarize-run"}
    BINDINGS = [
        Binding("s", "summarize", "Summarize", id="summarize.run"),
        Binding("c", "copy", "Copy", id="summarize.copy"),
        Binding("x", "focus_export", "Export", id="summarize.export"),
    ]

    class Choices(Message):
        """The runs and models that can summarize."""

        def __init__(self, choices: list[SummarizerChoice]) -> None:
            """Carry the choices."""
            super().__init__()
            self.choices = choices

    class Done(Message):
        """A summary is ready, for the record it was asked for."""

        def __init__(self, view: SummaryView, record: tuple[RecordSource, str]) -> None:
            """Carry the summary and its record (source and id)."""
            super().__init__()
            self.view = view
            self.record = record

    def __init__(self) -> None:
        """Nothing summarized yet."""
        super().__init__()
        self.choices: dict[str, SummarizerChoice] = {}
        self.view: SummaryView | None = None
        # The record the summary on screen, or the one being generated, belongs to. A summary is
        # only ever shown under its own record: see _show_selected and on_summarize_screen_done.
        self.summary_for: tuple[RecordSource, str] | None = None

    def compose(self) -> ComposeResult:
        """The picker and the record, then the summary and its checks."""
        yield NavBar()
        with Horizontal(id="summarize-bar"):
            yield Select[str]([], prompt="run or model", id="summarizer")
            yield Button("Summarize (s)", id="summarize-button", variant="primary")
        yield Label("", id="selected-record")
        yield LoadingIndicator(id="working")
        with VerticalScroll(id="summary-pane"):
            yield Static("", id="summary")
            yield Static("", id="checks")
            yield Static("", id="provenance")
        with Horizontal(id="trace"):
            yield OptionList(id="sentences")
            with VerticalScroll(id="record-pane"):
                yield Static("", id="record")
        yield Input(placeholder="export to a file (.json), then Enter", id="export")
        yield Footer()

    def on_mount(self) -> None:
        """Hide the spinner (the choices load on resume, which also follows the first mount)."""
        self.query_one("#working").display = False

    def shown(self) -> None:
        """Each time the screen shows: the record picked on Records, and fresh choices."""
        self._show_selected()
        self.load_choices()

    def _selected(self) -> tuple[RecordSource, str] | None:
        return self.app.selected  # type: ignore[attr-defined,no-any-return]

    def _show_selected(self) -> None:
        """Name the selected record; a summary (and its flags) of another record goes at once."""
        selected = self._selected()
        text = (f"Record {selected[1]} of {selected[0].label}" if selected else
                "No record selected: pick one on the Records screen (r).")
        self.query_one("#selected-record", Label).update(Text(text))
        if self.summary_for is not None and self.summary_for != selected:
            self._clear_summary()

    def _clear_summary(self) -> None:
        """Take the summary, its checks and its provenance off the screen, and forget it (so it
        can be neither copied nor exported under another record)."""
        self.view = None
        self.summary_for = None
        for pane in ("#summary", "#checks", "#provenance", "#record"):
            self.query_one(pane, Static).update(Text(""))
        self.query_one("#sentences", OptionList).clear_options()

    def runs_changed(self) -> None:
        """A run finished: it can summarize now."""
        self.load_choices()

    @work(thread=True, exclusive=True, exit_on_error=False, group="summarize-choices")
    def load_choices(self) -> None:
        """Ask for the runs and models (blocking)."""
        self.post_message(self.Choices(self.app.backend.summarizers()))  # type: ignore[attr-defined]

    def on_summarize_screen_choices(self, message: Choices) -> None:
        """Fill the picker, keeping the current choice; preselect the newest run."""
        select = self.query_one("#summarizer", Select)
        current = select.value
        self.choices = {f"{c.kind}:{c.name}": c for c in message.choices}
        select.set_options([(c.label, key) for key, c in self.choices.items()])
        if isinstance(current, str) and current in self.choices:
            select.value = current
        elif self.choices:
            select.value = next(iter(self.choices))
        self._show_selected()
        self._warm_choice()

    @on(Select.Changed, "#summarizer")
    def _warm_choice(self) -> None:
        """Load the chosen run or model in the background, before the first ``s``."""
        value = self.query_one("#summarizer", Select).value
        if isinstance(value, str) and value in self.choices:
            self.warm(self.choices[value])

    @work(thread=True, exclusive=True, exit_on_error=False, group="summarize-warm")
    def warm(self, choice: SummarizerChoice) -> None:
        """Load the summarizer (blocking); a failure shows when summarizing."""
        try:
            self.app.backend.warm(choice)  # type: ignore[attr-defined]
        except Exception as exc:  # noqa: BLE001  (summarizing reports the same failure in its dialog)
            _log.info("warming %s %s failed (%s)", choice.kind, choice.name, type(exc).__name__)

    @on(Button.Pressed, "#summarize-button")
    def action_summarize(self) -> None:
        """Summarize the selected record with the chosen run or model."""
        selected = self._selected()
        value = self.query_one("#summarizer", Select).value
        if selected is None:
            self.notify("Pick a record on the Records screen first (r).", severity="warning")
            return
        if not isinstance(value, str) or value not in self.choices:
            self.notify("No run or model to summarize with: train one, or import a model.", severity="warning")
            return
        self._clear_summary()  # the previous record's flags must not stand beside the new summary
        self.summary_for = selected
        self.query_one("#working").display = True
        self.query_one("#summary", Static).update(Text("Summarizing… (the first summary loads the model)"))
        self.run_summary(selected[0], selected[1], self.choices[value])

    @work(thread=True, exclusive=True, exit_on_error=False, group="summarize-run")
    def run_summary(self, source: RecordSource, record_id: str, choice: SummarizerChoice) -> None:
        """Generate (blocking) and post the result."""
        try:
            view = self.app.backend.summarize(source, record_id, choice)  # type: ignore[attr-defined]
            self.post_message(self.Done(view, (source, record_id)))
        finally:
            self.app.call_from_thread(self._stop_working)

    def _stop_working(self) -> None:
        self.query_one("#working").display = False

    def on_summarize_screen_done(self, message: Done) -> None:
        """Show the summary, the warnings and where it came from, if its record is still the one
        on screen and the one last asked for; otherwise drop it."""
        if message.record != self._selected() or message.record != self.summary_for:
            self.notify(f"A summary of record {message.record[1]} finished after another record was "
                        "selected; it was not shown.", severity="warning")
            return
        view = self.view = message.view
        self.query_one("#summary", Static).update(Text(view.summary or "(empty summary)", style="bold"))
        self.query_one("#checks", Static).update(fidelity_text(view))
        prov = view.provenance
        self.query_one("#provenance", Static).update(Text(
            f"{prov.get('run_id') or prov.get('model')} · {prov.get('method', 'base model')} · "
            f"{view.seconds:.1f} s", style="dim"))
        self.query_one("#record", Static).update(supported_record(view.source_text, None))
        sentences = self.query_one("#sentences", OptionList)
        sentences.clear_options()
        sentences.add_options([Option(sentence_prompt(s), id=str(i)) for i, s in enumerate(view.sentences)])
        if view.sentences:
            sentences.highlighted = 0
            sentences.focus()

    @on(OptionList.OptionHighlighted, "#sentences")
    def _show_sources(self, event: OptionList.OptionHighlighted) -> None:
        """Highlight the highlighted sentence's spans in the record pane and scroll to the best."""
        view = self.view
        if view is None or event.option_index >= len(view.sentences):
            return
        sentence = view.sentences[event.option_index]
        self.query_one("#record", Static).update(supported_record(view.source_text, sentence))
        pane = self.query_one("#record-pane", VerticalScroll)
        if sentence.spans and pane.content_size.width > 0:
            before = Text(view.source_text[:sentence.spans[0].start]).wrap(self.app.console, pane.content_size.width)
            pane.scroll_to(y=max(len(before) - 2, 0), animate=False)

    def action_copy(self) -> None:
        """Copy the summary to the clipboard (through the terminal)."""
        if self.view is not None:
            self.app.copy_to_clipboard(self.view.summary)
            self.notify("Summary copied.")

    def action_focus_export(self) -> None:
        """Put the cursor in the export box."""
        self.query_one("#export", Input).focus()

    @on(Input.Submitted, "#export")
    def _export(self, event: Input.Submitted) -> None:
        if self.view is None:
            self.notify("Nothing to export yet.", severity="warning")
        elif event.value.strip():
            view = self.view
            confirm_export(self, event.value.strip(), lambda path: self.export(view, path))
        self.focus_home()

    @work(thread=True, exclusive=True, exit_on_error=False, group="summarize-export")
    def export(self, view: SummaryView, path: str) -> None:
        """Write the summary (blocking)."""
        written = self.app.backend.export_summary(view, path)  # type: ignore[attr-defined]
        self.post_message(Exported(written.path, written.sha256))

    def on_exported(self, message: Exported) -> None:
        """Say where it went."""
        self.notify(f"Summary written to {message.path} (owner-only), sha256 {message.sha256}", timeout=20)
