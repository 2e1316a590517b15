"""A fake :class:`~medsum_tui.tui.backend.Backend` with fixed, synthetic data, for Pilot tests."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from core.errors import MedsumError
from medsum_tui.tui.backend import (
    BudgetGauge,
    BudgetRow,
    Dashboard,
    DatasetRow,
    EvalHandle,
    EvalView,
    ExportedFile,
    Highlight,
    LedgerRow,
    ModelRow,
    PrivacyView,
    RecordPage,
    RecordRow,
    RecordSource,
    RecordView,
    RunRow,
    SummarizerChoice,
    SummarySentence,
    SummaryView,
    SupportSpan,
    TrainPlan,
)
from medsum_tui.tui.training import TrainForm, TrainingHandle

#: What a short DP run writes, in the order the fake hands it out (one chunk per read).
RUN_EVENTS: list[list[dict]] = [
    [{"event": "start", "run_id": "run-dp", "step": 0, "total_steps": 4,
      "dp": {"epsilon_planned": 2.0, "delta": 1e-5}}],
    [{"event": "step", "step": 1, "total_steps": 4, "loss": 3.0, "epsilon": 0.8},
     {"event": "step", "step": 2, "total_steps": 4, "loss": 2.5, "epsilon": 1.2}],
    [{"event": "epoch", "epoch": 1, "step": 2, "val_loss": 2.4},
     {"event": "step", "step": 3, "total_steps": 4, "loss": 2.1, "epsilon": 1.6}],
    [{"event": "step", "step": 4, "total_steps": 4, "loss": 1.9, "epsilon": 1.95},
     {"event": "end", "run_id": "run-dp", "status": "finished", "step": 4, "message": "done", "epsilon": 1.95}],
]

#: What an evaluation of 201 records writes, one chunk per read; it ends with the last chunk.
EVAL_EVENTS: list[list[dict]] = [
    [{"event": "progress", "stage": "model", "done": 0, "total": 201, "elapsed_s": 0.0, "eta_s": None}],
    [{"event": "progress", "stage": "model", "done": 48, "total": 201, "elapsed_s": 22.0, "eta_s": 70.1}],
    [{"event": "progress", "stage": "base model", "done": 201, "total": 201, "elapsed_s": 60.0, "eta_s": 0.0},
     {"event": "progress", "stage": "scoring", "done": 0, "total": 201, "elapsed_s": 0.0, "eta_s": None}],
    [{"event": "end", "run_id": "", "rougeL": 0.693}],
]

RAW = "patient_name: Maria Lopez\ndob: 1950-03-14\npatient_history: Seen by Dr. Chen for cough."
DEID = "patient_name: [NAME]\ndob: [DATE]\npatient_history: Seen by Dr. [NAME] for cough."
#: The de-identified model input the fake summary's spans index into: long enough that the
#: record pane scrolls to reach the treatment plan.
SUMMARY_SOURCE = "\n".join([
    "diagnosis: acute bronchitis", "encounter.department: Pulmonology",
    "medications: albuterol 2 puffs q4h PRN; benzonatate 100 mg TID",
    "notes: Cough worse at night. Lives with daughter [NAME].",
    "patient_history: [NAME] is a 79 yo F with cough x3 days. PMH asthma. Denies fever.",
    *(f"vitals.{k}: {v}" for k, v in (("bp", "132/80"), ("hr", "88"), ("spo2", "96%"), ("temp", "37.1 C"),
                                      ("rr", "18"), ("weight", "61 kg"), ("height", "158 cm"), ("pain", "2/10"))),
    "treatment_plan: Supportive care, fluids. CXR if no better. F/u in 1 wk.",
])


def _span(text: str, part: str) -> tuple[int, int]:
    """The offsets of ``part`` in ``text``."""
    start = text.index(part)
    return start, start + len(part)


@dataclass
class FakeBackend:
    """Answers from memory; records every call so tests can check what the app asked."""

    records_total: int = 120
    fail_with: str | None = None  # a dashboard() failure, to test the error dialog
    calls: list[tuple[str, object]] = field(default_factory=list)
    still_running: list[TrainingHandle] = field(default_factory=list)  # what running() reports
    refuse_plan: bool = False
    chunks: int = len(RUN_EVENTS)  # how much of the scripted run has happened
    eval_chunks: int = len(EVAL_EVENTS)  # how much of a scripted evaluation happens (fewer: it never ends)
    evaluated: set[str] = field(default_factory=set)  # runs whose evaluation finished here
    eval_cancelled: bool = False
    warmed: list[tuple[str, object]] = field(default_factory=list)  # preload() and warm() calls
    preload_gate: threading.Event | None = None  # preload() waits for it (a slow background import)

    def dashboard(self) -> Dashboard:
        """A workspace with one of everything."""
        self.calls.append(("dashboard", None))
        if self.fail_with:
            raise MedsumError(self.fail_with)
        return Dashboard(
            "/tmp/ws", "--workspace", True,
            [DatasetRow("demo-n2000-s0", 2000, {"train": 1600, "validation": 199, "test": 201}, "redact", 46534, 0,
                        "2026-11-23T05:45:29+00:00")],
            [ModelRow("demo-tiny-t5", "t5", 1_234_567, "init-tiny")],
            [RunRow("20261123-054546-demo-tiny-t5-a04a", "demo-n2000-s0", "demo-tiny-t5", "finished", 600, 600,
                    0.3336, 0.693)],
            [BudgetRow("demo-n2000-s0", "unbounded (non-private run)", "no limit set", None, 1)],
            ["keyring: the fail backend is active (fix: set MEDSUM_KEYRING=cryptfile)"],
        )

    def dataset_names(self) -> list[str]:
        """One dataset."""
        return ["demo-n2000-s0"]

    def records(self, source: RecordSource, *, offset: int, limit: int, query: str = "") -> RecordPage:
        """``records_total`` numbered records; the query keeps ids that contain it."""
        self.calls.append(("records", (source, offset, limit, query)))
        ids = [f"r-{i:06d}" for i in range(1, self.records_total + 1)]
        ids = [i for i in ids if query in i]
        return RecordPage([RecordRow(i, f"diagnosis: asthma ({i})") for i in ids[offset:offset + limit]], offset,
                          len(ids))

    def record(self, source: RecordSource, record_id: str) -> RecordView:
        """Both views for a file, the de-identified one for a dataset."""
        self.calls.append(("record", (source, record_id)))
        deid_hl = [Highlight(DEID.index(t, at), DEID.index(t, at) + len(t), c)
                   for t, c, at in (("[NAME]", "NAME", 0), ("[DATE]", "DATE", 0), ("[NAME]", "NAME", 30))]
        if source.kind == "dataset":
            return RecordView(record_id, DEID, deid_hl, note="stored text")
        raw_hl = [Highlight(RAW.index(t), RAW.index(t) + len(t), c)
                  for t, c in (("Maria Lopez", "NAME"), ("1950-03-14", "DATE"), ("Chen", "NAME"))]
        return RecordView(record_id, DEID, deid_hl, RAW, raw_hl, note="redact, in memory")

    def summarizers(self) -> list[SummarizerChoice]:
        """One run and one model."""
        return [SummarizerChoice("run", "run-1", "run run-1 (demo-tiny-t5 on demo-n2000-s0)"),
                SummarizerChoice("model", "demo-tiny-t5", "model demo-tiny-t5")]

    def summarize(self, source: RecordSource, record_id: str, choice: SummarizerChoice) -> SummaryView:
        """A fixed summary with one hallucination and one omission, and its sentences traced to
        the model input: two supported (the first by two spans), the last unsupported."""
        self.calls.append(("summarize", (source, record_id, choice)))
        sentences = [
            SummarySentence("A 79-year-old woman presented with cough.", True,
                            (SupportSpan("patient_history", *_span(SUMMARY_SOURCE, "79 yo F with cough x3 days."), 0.8),
                             SupportSpan("notes", *_span(SUMMARY_SOURCE, "Cough worse at night."), 0.4))),
            SummarySentence("Follow-up in 1 week.", True,
                            (SupportSpan("treatment_plan", *_span(SUMMARY_SOURCE, "F/u in 1 wk."), 0.9),)),
            SummarySentence("Treated with amoxicillin 500 mg.", False),
        ]
        return SummaryView(record_id, "A 79-year-old woman presented with cough. Follow-up in 1 week. "
                           "Treated with amoxicillin 500 mg.",
                           ["amoxicillin"], ["asthma"], [], 0, ["NAME"],
                           {"run_id": choice.name, "method": "full"}, 1.25, sentences, SUMMARY_SOURCE)

    def preload(self) -> None:
        """Nothing to import; waits for ``preload_gate`` when a test sets one (a slow import).
        Recorded in ``warmed``, not ``calls``: it runs in a thread, at no fixed point."""
        self.warmed.append(("preload", None))
        if self.preload_gate is not None:
            self.preload_gate.wait(timeout=30)
        self.warmed.append(("preloaded", None))

    def warm(self, choice: SummarizerChoice) -> None:
        """Nothing to load; recorded in ``warmed``."""
        self.warmed.append(("warm", choice))

    def export_summary(self, view: SummaryView, path: str) -> ExportedFile:
        """Pretend to write."""
        self.calls.append(("export", (view.record_id, path)))
        return ExportedFile(path, "ab" * 32)

    def privacy(self) -> PrivacyView:
        """A private dataset within its policy and one with a non-private run."""
        self.calls.append(("privacy", None))
        return PrivacyView(
            [BudgetGauge("dp-set", 2.0, 8.0, False, "ε 2.00, δ 1e-05; policy ε ≤ 8.00"),
             BudgetGauge("demo", None, None, True, "unbounded (non-private run); policy no limit set")],
            [LedgerRow("run-dp", "dp-set", True, "2.00", "1e-05", "record", "settled", 40, ""),
             LedgerRow("run-plain", "demo", False, "-", "-", "", "settled", 600, "")],
            ["demo: unbounded: non-private run run-plain"], True, "verified: 12 entries, MAC chain intact")

    def export_compliance(self, path: str) -> ExportedFile:
        """Pretend to write."""
        self.calls.append(("export_compliance", path))
        return ExportedFile(path, "cd" * 32)

    def model_names(self) -> list[str]:
        """One model."""
        return ["demo-tiny-t5"]

    def plan_training(self, form: TrainForm) -> TrainPlan:
        """A DP plan, refused when ``refuse_plan`` (with the fixes a refusal names), which an
        override reason lets through, as the real backend does."""
        self.calls.append(("plan", form))
        lines = [f"DP plan: epsilon 2.000 at delta 1e-05 (prv) for {form.dataset}",
                 "Budget: " + ("REFUSED" if self.refuse_plan else "allowed")]
        if self.refuse_plan:
            lines += ['To run it: lower the target epsilon to at most 1.4 (the "Target ε" field)',
                      '   or run anyway with a reason (type it in "Override reason", then Plan)']
        lines.append(f"Targets: 3 of 1600 training targets are longer than the target length {form.max_target_len} "
                     "and will be truncated")
        reason = bool(form.override_reason and form.override_reason.strip())
        return TrainPlan(lines, not self.refuse_plan or reason, self.refuse_plan)

    def start_training(self, form: TrainForm) -> TrainingHandle:
        """A handle on the scripted run."""
        self.calls.append(("start", form))
        return TrainingHandle(4242, "events.jsonl")

    def running(self) -> list[TrainingHandle]:
        """The runs said to be going."""
        return list(self.still_running)

    def training_events(self, handle: TrainingHandle, offset: int) -> tuple[list[dict], int]:
        """The next chunk of RUN_EVENTS (the offset counts chunks here)."""
        if offset >= self.chunks:
            return [], offset
        return RUN_EVENTS[offset], offset + 1

    def cancel_training(self, handle: TrainingHandle) -> bool:
        """Record the cancel."""
        self.calls.append(("cancel", handle.pid))
        return True

    def demo_import(self, on_step) -> str:  # type: ignore[no-untyped-def]
        """Report two stages."""
        self.calls.append(("demo_import", None))
        on_step("synthesizing 2000 records")
        on_step("building the tiny model")
        return "demo-n2000-s0"

    def runs(self) -> list[RunRow]:
        """Two runs, the newer one evaluated."""
        return [RunRow("run-2", "demo-n2000-s0", "demo-tiny-t5", "finished", 600, 600, 0.33, 0.693),
                RunRow("run-1", "demo-n2000-s0", "demo-tiny-t5", "finished", 300, 300, 0.41, None)]

    def eval_report(self, run_id: str) -> EvalView | None:
        """A report for run-2 (and for any run evaluated here); none for the others."""
        if run_id != "run-2" and run_id not in self.evaluated:
            return None
        return _report(run_id)

    def start_evaluation(self, run_id: str) -> EvalHandle:
        """A handle on the scripted evaluation."""
        self.calls.append(("evaluate", run_id))
        self.eval_cancelled = False
        return EvalHandle(4343, run_id, "eval.events.jsonl")

    def evaluation_events(self, handle: EvalHandle, offset: int) -> tuple[list[dict], int]:
        """The next chunk of EVAL_EVENTS (the offset counts chunks), "cancelled" once cancelled."""
        if self.eval_cancelled:
            return ([{"event": "cancelled"}], offset + 1) if offset < 10_000 else ([], offset)
        if offset >= min(self.eval_chunks, len(EVAL_EVENTS)):
            return [], offset
        if offset == len(EVAL_EVENTS) - 1:
            self.evaluated.add(handle.run_id)
        return EVAL_EVENTS[offset], offset + 1

    def cancel_evaluation(self, handle: EvalHandle) -> bool:
        """Record the cancel; the next read says "cancelled"."""
        self.calls.append(("cancel_evaluation", handle.run_id))
        self.eval_cancelled = True
        return True

    def models(self) -> list[ModelRow]:
        """One model."""
        return [ModelRow("demo-tiny-t5", "t5", 1_150_464, "init-tiny")]

    def import_model(self, path: str, name: str, on_progress) -> ModelRow:  # type: ignore[no-untyped-def]
        """Three files, then done."""
        self.calls.append(("import_model", (path, name)))
        for done, rel in enumerate(("config.json", "model.safetensors", "tokenizer.json")):
            on_progress(f"copying and hashing {rel}", done, 3)
        return ModelRow(name, "bart", 42, f"import:{path}")

    def verify_model(self, name: str) -> list[str]:
        """A tampered weights file."""
        self.calls.append(("verify_model", name))
        return ["model.safetensors: changed"]


def _report(run_id: str) -> EvalView:
    # the TUI's column order (figures first), as LocalBackend hands the report table over
    return EvalView(run_id, [("system", "ROUGE-L", "fid. precision", "fid. recall", "ROUGE-1", "ROUGE-2", "ROUGE-Lsum"),
                             ("model", "0.693", "0.912", "0.874", "0.741", "0.552", "0.701"),
                             ("structured baseline", "0.723", "0.987", "0.951", "0.768", "0.590", "0.731"),
                             ("lead-3", "0.402", "0.954", "0.610", "0.455", "0.201", "0.420"),
                             ("base model", "0.012", "0.000", "0.000", "0.015", "0.000", "0.012")],
                    "ROUGE-L 0.693 does NOT beat the best baseline, structured baseline (0.723)",
                    "PHI scan: no new identifier in 201 summaries", "beams 4, max new tokens 128",
                    "2026-11-23T06:10:00+00:00")
