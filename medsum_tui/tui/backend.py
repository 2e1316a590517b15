"""The one interface between the TUI and the core, and the plain values it returns.

Screens never import ``core``: they call a :class:`Backend` from worker threads and show the
frozen dataclasses below. :class:`medsum_tui.tui.local.LocalBackend` is the real one; tests
pass a fake. Nothing here holds a raw PHI value except :class:`RecordView.raw`, which exists
only for a local input file the user opened, and only in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from medsum_tui.tui.evaluation import EvalHandle
from medsum_tui.tui.training import TrainForm, TrainingHandle

__all__ = [
    "Backend", "BudgetGauge", "BudgetRow", "Dashboard", "DatasetRow", "EvalHandle", "EvalView", "ExportedFile", "Highlight", "LedgerRow", "ModelRow",
    "PrivacyView", "RecordPage", "RecordRow",
    "RecordSource", "RecordView", "RunRow", "SummarizerChoice", "SummarySentence", "SummaryView", "SupportSpan", "TrainForm", "TrainPlan",
    "TrainingHandle",
]


@dataclass(frozen=True)
class DatasetRow:
    """A de-identified dataset in the workspace."""

    name: str
    records: int
    splits: dict[str, int]
    strategy: str
    phi_found: int
    residual: int
    created_at: str


@dataclass(frozen=True)
class ModelRow:
    """A model in the store."""

    name: str
    family: str
    parameters: int
    source: str


@dataclass(frozen=True)
class RunRow:
    """A training run and its latest evaluation headline."""

    run_id: str
    dataset: str
    model: str
    status: str
    step: int
    total_steps: int | None
    best_val_loss: float | None
    rouge_l: float | None


@dataclass(frozen=True)
class BudgetRow:
    """One dataset's privacy spend against its policy, already worded for display."""

    dataset: str
    spent: str  # "ε 2.31, δ 1e-05", or "unbounded (non-private run)"
    limit: str  # "ε ≤ 8, δ ≤ 1e-05", or "no limit set"
    within: bool | None  # None: no limit set
    non_private_runs: int


@dataclass(frozen=True)
class Dashboard:
    """What the dashboard shows: the workspace and everything in it."""

    workspace: str
    workspace_source: str
    initialized: bool
    datasets: list[DatasetRow] = field(default_factory=list)
    models: list[ModelRow] = field(default_factory=list)
    runs: list[RunRow] = field(default_factory=list)
    budgets: list[BudgetRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # doctor checks that warn or fail, one line each


@dataclass(frozen=True)
class ExportedFile:
    """A file an export wrote: its path and the SHA-256 of its content, which the screen shows
    so a reviewer can check the copy they hand on."""

    path: str
    sha256: str


@dataclass(frozen=True)
class RecordSource:
    """Where records come from: a dataset split in the workspace, or a local JSON file."""

    kind: Literal["dataset", "file"]
    name: str  # the dataset name, or the file path as the user typed it
    split: str = "test"

    @property
    def label(self) -> str:
        """How the source is named on screen."""
        return f"{self.name} ({self.split})" if self.kind == "dataset" else self.name

    @property
    def path(self) -> Path:
        """The local file (``kind == "file"`` only)."""
        return Path(self.name).expanduser()


@dataclass(frozen=True)
class RecordRow:
    """One row of the records list: an id and a short, de-identified preview."""

    record_id: str
    preview: str


@dataclass(frozen=True)
class RecordPage:
    """A page of records, after the search filter: ``total`` counts every match."""

    rows: list[RecordRow]
    offset: int
    total: int


@dataclass(frozen=True)
class Highlight:
    """PHI at ``text[start:end]`` of a record view, with its category (``NAME``, ``DATE``...)."""

    start: int
    end: int
    category: str


@dataclass(frozen=True)
class RecordView:
    """A record as ``key: value`` lines, raw (local files only) and de-identified, PHI highlighted."""

    record_id: str
    deidentified: str
    deidentified_highlights: list[Highlight]
    raw: str | None = None  # only for a local input file; never for a dataset
    raw_highlights: list[Highlight] = field(default_factory=list)
    note: str = ""  # e.g. how the de-identified view was made


@dataclass(frozen=True)
class SummarizerChoice:
    """A finished run or a stored model that can summarize."""

    kind: Literal["run", "model"]
    name: str
    label: str


@dataclass(frozen=True)
class SupportSpan:
    """A span of the de-identified model input that supports a summary sentence."""

    field: str
    start: int
    end: int
    score: float  # the weighted share of the sentence's concepts the span holds, 0 to 1


@dataclass(frozen=True)
class SummarySentence:
    """One summary sentence (as shown) and its supporting spans, best first; an unsupported
    sentence is one the record does not back up."""

    text: str
    supported: bool
    spans: tuple[SupportSpan, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SummarySentence:
        """Read one entry of a summary result's ``sources`` list."""
        return cls(data["sentence"], bool(data["supported"]),
                   tuple(SupportSpan(s["field"], s["start"], s["end"], s["score"]) for s in data["spans"]))

    def to_json(self) -> dict[str, Any]:
        """The entry as ``medsum summarize`` writes it (without the coverage)."""
        return {"sentence": self.text, "supported": self.supported,
                "spans": [{"field": s.field, "start": s.start, "end": s.end, "score": s.score} for s in self.spans]}


@dataclass(frozen=True)
class SummaryView:
    """One record's summary, its fidelity flags and the PHI scan of what the model wrote.

    ``summary`` has the real values mapped back for a local file (in memory only); the flags
    and the scan are about the model's de-identified text. ``sentences`` are the summary's
    sentences with the spans of ``source_text`` (the de-identified model input) that support
    them.
    """

    record_id: str
    summary: str
    hallucinated: list[str]
    omitted: list[str]
    number_errors: list[str]
    phi_new: int  # identifiers in the summary that its de-identified input does not hold
    phi_categories: list[str]  # the categories of every identifier found in the summary
    provenance: dict[str, Any]
    seconds: float
    sentences: list[SummarySentence] = field(default_factory=list)
    source_text: str = ""  # the de-identified model input the spans index into

    def to_json(self) -> dict[str, Any]:
        """The summary as the export writes it (the same shape as ``medsum summarize``, with the
        de-identified model input the spans of ``sources`` index into)."""
        return {"id": self.record_id, "summary": self.summary,
                "fidelity": {"hallucinated": self.hallucinated, "omitted": self.omitted,
                             "number_errors": self.number_errors},
                "phi_scan": {"new": self.phi_new, "categories": self.phi_categories},
                "provenance": self.provenance,
                "sources": [sentence.to_json() for sentence in self.sentences], "source_text": self.source_text}


@dataclass(frozen=True)
class BudgetGauge:
    """One dataset's composed epsilon against its policy's maximum, for a gauge."""

    dataset: str
    epsilon: float | None  # composed over the private runs; None when nothing was spent
    max_epsilon: float | None  # None: no limit set
    unbounded: bool  # a non-private run trained on it
    text: str  # the spend and the policy in words


@dataclass(frozen=True)
class LedgerRow:
    """One run of the privacy ledger."""

    run_id: str
    dataset: str
    private: bool
    epsilon: str  # "2.31", "-" (not private), "?" (not settled)
    delta: str
    unit: str  # "record" / "patient", "" when not private
    status: str
    steps: int
    override: str  # the reason given to train over the policy, or ""


@dataclass(frozen=True)
class PrivacyView:
    """What a compliance reviewer checks: budgets, the ledger, overrides, flags and the audit chain."""

    gauges: list[BudgetGauge]
    runs: list[LedgerRow]
    flags: list[str]
    audit_ok: bool
    audit_text: str
    #: One line per run with an empirical privacy audit (lower bound beside the accountant's epsilon).
    audits: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class EvalView:
    """A run's evaluation report, as the screen shows it."""

    run_id: str
    rows: list[tuple[str, ...]]  # the systems table, header first: the model beside every baseline
    headline: str  # ROUGE-L against the best baseline, in words
    phi_scan: str
    settings: str
    evaluated_at: str = ""  # when the report was written (ISO 8601, UTC), "" when unknown


@dataclass(frozen=True)
class TrainPlan:
    """The pre-flight of a run: the DP plan and the budget check, in words, and whether it may start."""

    lines: list[str]
    allowed: bool  # may start: the policy allows it, or it is refused and the form gives an override reason
    refused: bool = False  # the budget policy refuses it (an override reason may still let it start)


class Backend(Protocol):
    """Everything the TUI asks of the core. Calls may block: screens make them from workers."""

    def dashboard(self) -> Dashboard:
        """The workspace summary for the dashboard."""
        ...

    def dataset_names(self) -> list[str]:
        """The datasets in the workspace, by name."""
        ...

    def records(self, source: RecordSource, *, offset: int, limit: int, query: str = "") -> RecordPage:
        """A page of ``source``'s records whose id or text contains ``query`` (case-insensitive)."""
        ...

    def record(self, source: RecordSource, record_id: str) -> RecordView:
        """One record of ``source`` for display."""
        ...

    def summarizers(self) -> list[SummarizerChoice]:
        """Finished runs first (newest first), then stored models."""
        ...

    def summarize(self, source: RecordSource, record_id: str, choice: SummarizerChoice) -> SummaryView:
        """Summarize one record of ``source`` with ``choice`` (loads the model on first use)."""
        ...

    def preload(self) -> None:
        """Import what summaries need and warm the newest summarizer (blocking; the app calls it
        once, from a background thread, after its first screen is up)."""
        ...

    def warm(self, choice: SummarizerChoice) -> None:
        """Load ``choice``'s summarizer ahead of the first summary (blocking; from a worker)."""
        ...

    def export_summary(self, view: SummaryView, path: str) -> ExportedFile:
        """Write ``view`` as one JSON object to ``path`` (atomically, mode 0600); return where, and
        the SHA-256 of what was written."""
        ...

    def privacy(self) -> PrivacyView:
        """Budgets, ledger and audit state, as the compliance report has them."""
        ...

    def export_compliance(self, path: str) -> ExportedFile:
        """Write the compliance report (``.md`` or ``.json``, mode 0600) and audit the export;
        return where, and the report's SHA-256."""
        ...

    def model_names(self) -> list[str]:
        """The stored models, by name."""
        ...

    def plan_training(self, form: TrainForm) -> TrainPlan:
        """The pre-flight of the run ``form`` describes (planned epsilon, budget check); writes nothing."""
        ...

    def start_training(self, form: TrainForm) -> TrainingHandle:
        """Start the run as a detached ``medsum train --events`` child process."""
        ...

    def running(self) -> list[TrainingHandle]:
        """Runs still going (their process alive), newest first: what a reopened TUI reattaches to."""
        ...

    def training_events(self, handle: TrainingHandle, offset: int) -> tuple[list[dict[str, Any]], int]:
        """New events of the run since byte ``offset``, and the next offset."""
        ...

    def cancel_training(self, handle: TrainingHandle) -> bool:
        """Interrupt the run; False when its process is already gone."""
        ...

    def demo_import(self, on_step: Callable[[str], None]) -> str:
        """Set up the demo: initialize the workspace if needed, synthesize the demo corpus, import it
        (redacted) and build the tiny model; ``on_step`` hears each stage. Returns the dataset name."""
        ...

    def runs(self) -> list[RunRow]:
        """Every training run, newest first."""
        ...

    def eval_report(self, run_id: str) -> EvalView | None:
        """The run's latest test-split report, or None when it was never evaluated."""
        ...

    def start_evaluation(self, run_id: str) -> EvalHandle:
        """Start evaluating the run on its test split with the configured generation settings, as a
        ``medsum eval --events`` child process that stops when the TUI does."""
        ...

    def evaluation_events(self, handle: EvalHandle, offset: int) -> tuple[list[dict[str, Any]], int]:
        """New events of the evaluation since ``offset`` (``progress``, then ``end``, ``cancelled``
        or ``error``; ``exit`` when the process ended without saying how), and the next offset."""
        ...

    def cancel_evaluation(self, handle: EvalHandle) -> bool:
        """Cancel the evaluation (it writes nothing); False when its process has already ended."""
        ...

    def models(self) -> list[ModelRow]:
        """The store's models."""
        ...

    def import_model(self, path: str, name: str, on_progress: Callable[[str, int, int], None]) -> ModelRow:
        """Check, copy, hash and load a local checkpoint directory into the store (audited)."""
        ...

    def verify_model(self, name: str) -> list[str]:
        """Re-hash a stored model: ``"file: changed|missing|extra"`` per problem, ``[]`` when intact."""
        ...
