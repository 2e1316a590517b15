"""The real :class:`~medsum_tui.tui.backend.Backend`: the TUI's calls, answered by the core.

Every method may block (it reads the workspace, loads Arrow files, runs the de-identifier),
so screens call it from worker threads. Loaded sources are kept in memory so that paging
and searching do not read the files again, and so is what a summary needs (the model, the
secrets, the audit log and the fidelity lexicon): only the first summary pays for loading
them, and :meth:`LocalBackend.preload` and :meth:`LocalBackend.warm` pay for it earlier, in
the background. The de-identifier and Hugging Face are imported on first use, so the first
screen does not wait for them.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.atomic import atomic_writer
from core.budget import format_delta, format_epsilon
from core.config import LoadedConfig, load_config
from core.datasets import list_datasets, load_splits
from core.doctor import GPUS_NOT_QUERIED, run_checks
from core.errors import MedsumError
from core.hashing import sha256_files
from core.models import list_models
from core.records import load_records
from core.records.flatten import model_input
from core.report import audit_line, budget_summary, compliance_report, export_report
from core.secrets import deid_secret
from core.train import RunsTable, RunStatus
from core.train.runs import process_alive
from core.workspace import WorkspaceLocation, open_workspace
from medsum_tui.cli._progress import FixHints
from medsum_tui.cli._runtime import require_parent_dir
from medsum_tui.tui.backend import (
    BudgetGauge,
    BudgetRow,
    Dashboard,
    DatasetRow,
    EvalHandle,
    EvalView,
    ExportedFile,
    LedgerRow,
    ModelRow,
    PrivacyView,
    RecordPage,
    RecordRow,
    RecordSource,
    RecordView,
    RunRow,
    SummarizerChoice,
    SummaryView,
    TrainPlan,
)
from medsum_tui.tui.evaluation import exit_event as eval_exit_event
from medsum_tui.tui.evaluation import spawn_evaluation, stop_evaluation
from medsum_tui.tui.training import (
    TrainForm,
    TrainingHandle,
    exit_event,
    read_events,
    spawn_training,
    stop_training,
)

__all__ = ["LocalBackend"]

_log = logging.getLogger(__name__)

_PREVIEW = 72
DOCTOR_EVERY_S = 60.0  # the dashboard's doctor checks are run again after this long
#: A raw record shown again within this many seconds is not audited again (one entry per view otherwise).
VIEW_COALESCE_S = 300.0


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _PREVIEW else flat[: _PREVIEW - 1] + "…"


#: Where the Train form sets what a refused plan's fixes name (the CLI names its options instead).
TUI_HINTS = FixHints(target_epsilon='the "Target ε" field', delta='the "Delta" field',
                     dp="the DP switch, with a target ε", dataset='the "Dataset" picker',
                     override='type it in "Override reason", then Plan')

#: The Train form's label of each TrainConfig field, for errors that name the field.
FORM_LABELS = {"lora_r": "LoRA r", "epochs": "Epochs", "max_steps": "Max steps", "batch_size": "Batch size",
               "max_target_len": "Target length", "target_epsilon": "Target ε", "delta": "Delta",
               "privacy_unit": "Privacy unit", "dataset": "Dataset", "model": "Model"}


class LocalBackend:
    """Answers the TUI from the workspace at ``location`` (initialized or not)."""

    def __init__(self, location: WorkspaceLocation) -> None:
        """Remember where the workspace is; nothing is read until a screen asks."""
        self.location = location
        self._lock = threading.Lock()
        self._splits: dict[tuple[str, str], tuple[Any, list[str], list[str], dict[str, int]]] = {}
        self._files: dict[str, list[Any]] = {}
        self._haystacks: dict[tuple[str, str, str], list[str]] = {}  # per source: each record's lower-cased text
        self._models: dict[tuple[str, str], Any] = {}
        self._model_lock = threading.Lock()  # held while a model loads; browsing records never waits for it
        self._flag: Any = None
        self._secret: bytes | None = None  # the de-identification secret, fetched once (never written anywhere)
        self._auditor: Any = None  # the audit log with its key, opened once
        self._inputs: dict[str, str] = {}  # per local file source: the SHA-256 of what was read (for audit entries)
        self._viewed: dict[tuple[str, str], float] = {}  # (file source, record id) -> when its raw view was audited
        self._children: dict[int, Any] = {}  # training processes this TUI started (polled, so reaped)
        self._evaluations: dict[int, Any] = {}  # evaluation processes this TUI started
        self.gpu_check_pending = False  # the last dashboard left a GPU build's GPUs unqueried
        self._checks: tuple[bool, float, list[Any]] | None = None  # (torch imported, when, doctor checks)

    # -- workspace -----------------------------------------------------------------------
    def _loaded(self) -> LoadedConfig:
        return open_workspace(self.location).loaded if self.location.initialized else load_config(None)

    def dashboard(self) -> Dashboard:
        """Datasets, models, runs, budgets and doctor warnings of the workspace."""
        root = self.location.path
        checks = self._doctor()
        self.gpu_check_pending = any(c.name == "torch" and GPUS_NOT_QUERIED in c.detail for c in checks)
        warnings = [f"{c.name}: {c.detail}" + (f" (fix: {c.fix})" if c.fix else "")
                    for c in checks if c.status != "ok"]
        if not self.location.initialized:
            return Dashboard(str(root), self.location.source, False, warnings=warnings)
        loaded = self._loaded()
        datasets = [DatasetRow(d.name, d.records, dict(d.splits), d.strategy, d.phi_found, d.residual, d.created_at)
                    for d in list_datasets(root)]
        models = self.models()
        runs = [_run_row(r) for r in RunsTable(root).list()]
        budgets = [_budget_row(d) for d in budget_summary(root, loaded)]
        return Dashboard(str(root), self.location.source, True, datasets, models, runs, budgets, warnings)

    def _doctor(self) -> list[Any]:
        """The doctor checks, run at most once a minute: the dashboard re-reads the workspace
        every few seconds while a run trains, and each run of the checks unlocks the keyring and
        re-hashes every stored model. Without importing torch (a second or more of CPU while the
        first screen paints): a GPU build's GPUs are queried once the app's preload has imported
        torch, which also makes the next dashboard run the checks again."""
        torch_loaded = "torch" in sys.modules
        with self._lock:
            if self._checks is not None:
                loaded, at, checks = self._checks
                if loaded == torch_loaded and time.monotonic() - at < DOCTOR_EVERY_S:
                    return checks
        checks = run_checks(self.location, load_torch=False)
        with self._lock:
            self._checks = (torch_loaded, time.monotonic(), checks)
        return checks

    def dataset_names(self) -> list[str]:
        """The workspace's datasets, by name (none before ``medsum init``)."""
        if not self.location.initialized:
            return []
        return [d.name for d in list_datasets(self.location.path)]

    # -- records -------------------------------------------------------------------------
    def _split(self, source: RecordSource) -> tuple[Any, list[str], list[str], dict[str, int]]:
        """The split's table, its ids and texts as lists (read once, for paging and search), and
        each id's row."""
        key = (source.name, source.split)
        with self._lock:
            if key not in self._splits:
                splits = load_splits(self.location.path, source.name)
                if source.split not in splits:
                    raise MedsumError(f"dataset {source.name}: no split {source.split!r} "
                                      f"(it has {', '.join(splits)})")
                table = splits[source.split]
                ids, texts = list(table["id"]), list(table["source"])
                self._splits[key] = (table, ids, texts, {record_id: i for i, record_id in enumerate(ids)})
                self._haystacks[("dataset", *key)] = [f"{i}\n{t}".lower() for i, t in zip(ids, texts, strict=True)]
            return self._splits[key]  # type: ignore[no-any-return]

    def _file(self, source: RecordSource) -> list[Any]:
        with self._lock:
            if source.name not in self._files:
                loaded = load_records(source.path, self._loaded().config, require_target=False)
                if not loaded.records:
                    raise MedsumError(f"{source.name}: no valid records ({len(loaded.problems)} problems; "
                                      f"medsum data check {source.name})")
                self._files[source.name] = loaded.records
                self._inputs[source.name] = sha256_files(loaded.files)
                self._haystacks[("file", source.name, "")] = [f"{r.record_id}\n{r.data}".lower()
                                                              for r in loaded.records]
            return self._files[source.name]

    def records(self, source: RecordSource, *, offset: int, limit: int, query: str = "") -> RecordPage:
        """A page of matching records; a file's previews are de-identified (redacted) first."""
        needle = query.strip().lower()
        if source.kind == "dataset":
            _, ids, texts, _ = self._split(source)
            matches = self._matches(("dataset", source.name, source.split), len(ids), needle)
            rows = [RecordRow(ids[i], _preview(texts[i])) for i in matches[offset:offset + limit]]
            return RecordPage(rows, offset, len(matches))
        records = self._file(source)
        config = self._loaded().config
        found = [records[i] for i in self._matches(("file", source.name, ""), len(records), needle)]
        from privacy.deid.engine import Deidentifier

        engine = Deidentifier(config.deid)
        rows = []
        for record in found[offset:offset + limit]:
            redacted = engine.deidentify(record.data, record.patient_key, strategy="redact",
                                         residual_scan=False).record
            rows.append(RecordRow(record.record_id, _preview(model_input(redacted, config.records))))
        return RecordPage(rows, offset, len(found))

    def _matches(self, key: tuple[str, str, str], count: int, needle: str) -> list[int]:
        """Indexes of the source's records whose id or text holds ``needle`` (all of them when empty);
        the lower-cased texts were made once, when the source was loaded."""
        if not needle:
            return list(range(count))
        return [i for i, text in enumerate(self._haystacks[key]) if needle in text]

    def _dataset_row(self, source: RecordSource, record_id: str) -> dict[str, Any]:
        table, _, _, rows = self._split(source)
        if record_id not in rows:
            raise MedsumError(f"dataset {source.name}: no record {record_id!r} in split {source.split}")
        return dict(table[rows[record_id]])

    def _file_record(self, source: RecordSource, record_id: str) -> Any:
        for record in self._file(source):
            if record.record_id == record_id:
                return record
        raise MedsumError(f"{source.name}: no record {record_id!r}")

    def record(self, source: RecordSource, record_id: str) -> RecordView:
        """One record: for a dataset its stored (de-identified) text, for a file both views."""
        from medsum_tui.tui.record_text import deidentified_view, file_view, tagged_view
        from privacy.deid.engine import Deidentifier

        if source.kind == "dataset":
            row = self._dataset_row(source, record_id)
            text, highlights = tagged_view(f"source:\n{row['source']}\n\nreference summary:\n{row['target']}")
            return RecordView(record_id, text, highlights, note="stored text")
        record = self._file_record(source, record_id)
        config = self._loaded().config
        raw, raw_highlights, outcome = file_view(Deidentifier(config.deid), record.data, record.patient_key)
        text, highlights = deidentified_view(outcome.record)
        self._audit_view(source, record_id)  # before the raw text reaches the screen; a failure withholds it
        return RecordView(record_id, text, highlights, raw, raw_highlights, note="redacted here, in memory only")

    def _audit_view(self, source: RecordSource, record_id: str) -> None:
        """Record that a local file's raw record was shown ("records.view": its id and the
        file's SHA-256, never a value or a path), unless it was already recorded less than
        :data:`VIEW_COALESCE_S` ago. A dataset's records are de-identified text and are not
        audited; outside an initialized workspace there is no audit log (as with ``medsum deid``)."""
        if not self.location.initialized:
            return
        from core.audit import record_ids

        key, now = (source.name, record_id), time.monotonic()
        with self._lock:
            seen = self._viewed.get(key)
            if seen is not None and now - seen < VIEW_COALESCE_S:
                return
        self._audit_log().event("records.view", **record_ids([record_id]), source="file",
                                input_sha256=self._inputs.get(source.name), coalesce_s=VIEW_COALESCE_S)
        with self._lock:
            self._viewed[key] = now

    # -- summaries -----------------------------------------------------------------------
    def summarizers(self) -> list[SummarizerChoice]:
        """Finished runs, newest first, then the stored models (untrained unless imported trained)."""
        if not self.location.initialized:
            return []
        root = self.location.path
        runs = sorted((r for r in RunsTable(root).list() if r.status == RunStatus.FINISHED),
                      key=lambda r: r.created_at, reverse=True)
        return [SummarizerChoice("run", r.run_id, f"run {r.run_id} ({r.model} on {r.dataset})") for r in runs] + [
            SummarizerChoice("model", m.name, f"model {m.name}") for m in list_models(root)]

    def _summarizer(self, choice: SummarizerChoice) -> Any:
        """The loaded summarizer of ``choice``: loaded on first use, then kept for every next
        record (one model in memory at a time; choosing another replaces it). On the CPU, torch's
        threads are set to the cores that other processes leave free (see
        :mod:`core.generation.threads`)."""
        # torch and transformers load only when a summary is asked for (or preloaded)
        from core.generation import load_summarizer

        key = (choice.kind, choice.name)
        run, model = (choice.name, None) if choice.kind == "run" else (None, choice.name)
        with self._model_lock:
            if key not in self._models:
                self._models.clear()  # one model in memory at a time
                self._models[key] = load_summarizer(self.location.path, run=run, model=model)
            summarizer = self._models[key]
        if summarizer.device.type == "cpu":
            from core.generation.threads import use_interactive_threads

            use_interactive_threads()  # each summary: the cores other processes leave free now
        return summarizer

    def _deid_secret(self) -> bytes:
        """The surrogate secret, from the secret store once (an encrypted keyring file costs a
        key derivation each time it is opened)."""
        with self._lock:
            if self._secret is None:
                self._secret = deid_secret(self.location)
            return self._secret

    def _audit_log(self) -> Any:
        """The workspace's :class:`core.audit.Auditor`, its key fetched once."""
        from core.audit import Auditor

        with self._lock:
            if self._auditor is None:
                self._auditor = Auditor(self.location.path)
            return self._auditor

    def _fidelity(self) -> Any:
        """The fidelity check, its lexicon read once."""
        from core.evaluation.fidelity import fidelity_flags
        from core.evaluation.lexicon import load_lexicon

        with self._lock:
            if self._flag is None:
                self._flag = fidelity_flags(load_lexicon())
            return self._flag

    def preload(self) -> None:
        """Import what a summary needs and warm the newest run (or the first model), so that the
        first summary does not wait for them; called once, from a background thread, as the app
        opens. Failures are left for the summary to report."""
        from core.generation.warmup import import_generation_stack

        with self._model_lock:  # a summary asked for meanwhile waits here, then finds all imported
            import_generation_stack()
        choices = self.summarizers()
        if choices:
            self.warm(choices[0])

    def warm(self, choice: SummarizerChoice) -> None:
        """Load ``choice``'s summarizer, and what every summary needs besides, ahead of the first
        summary (blocking; call it from a worker). The secrets are fetched here too, so a missing
        secret store is reported by the summary itself, not by this background call."""
        if not self.location.initialized:
            return
        self._summarizer(choice)
        self._fidelity()
        try:
            self._audit_log()
            if open_workspace(self.location).config.deid.strategy == "surrogate":
                self._deid_secret()
        except MedsumError as exc:
            _log.info("warm: the secret store is not ready (%s); the summary will say so", type(exc).__name__)
        _warm_deidentifier(open_workspace(self.location).config)

    def summarize(self, source: RecordSource, record_id: str, choice: SummarizerChoice) -> SummaryView:
        """Summarize one record; a file's record is de-identified in memory first, as ``medsum summarize`` does."""
        from core.evaluation.phi_scan import scan_summaries
        from core.generation import GenerationSettings, summarize_records
        from medsum_tui.tui.backend import SummarySentence

        started = time.perf_counter()
        opened = open_workspace(self.location)
        config = opened.config
        summarizer = self._summarizer(choice)
        settings = GenerationSettings.from_config(config.generation).with_changes(batch_size=1)
        flag = self._fidelity()
        seen: list[tuple[str, str]] = []

        def hook(model_input_text: str, summary: str) -> dict[str, Any]:
            seen.append((model_input_text, summary))
            return flag(model_input_text, summary)

        if source.kind == "dataset":
            from core.evaluation.lexicon import load_lexicon
            from core.evaluation.provenance import supports_json, trace

            text = self._dataset_row(source, record_id)["source"]
            summary = summarizer.summarize([text], settings)[0]
            provenance = {**summarizer.provenance, "settings": settings.to_json(), "strategy": "stored"}
            result = {"summary": summary, "fidelity": hook(text, summary), "provenance": provenance,
                      "sources": supports_json(trace(text, summary, load_lexicon()))}
            from core.audit import record_ids

            self._audit_log().event("summarize", **record_ids([record_id]), source="dataset", dataset=source.name,
                                    split=source.split, model=provenance.get("model"),
                                    run_id=provenance.get("run_id"), method=provenance.get("method"),
                                    strategy="stored", phi_found=0)
        else:
            record = self._file_record(source, record_id)
            strategy = config.deid.strategy
            secret = self._deid_secret() if strategy == "surrogate" else None
            result = summarize_records(opened.root, [record], summarizer, settings, config=config, secret=secret,
                                       strategy=strategy, flag=hook, auditor=self._audit_log())[0]
        model_text, model_summary = seen[0]
        scan = scan_summaries([record_id], [model_text], [model_summary], config.deid)
        fidelity = result["fidelity"]
        return SummaryView(record_id, result["summary"], fidelity["hallucinated"], fidelity["omitted"],
                           fidelity["number_errors"], scan["new"], sorted(scan["by_category"]), result["provenance"],
                           round(time.perf_counter() - started, 2),
                           [SummarySentence.from_json(s) for s in result["sources"]], model_text)

    def export_summary(self, view: SummaryView, path: str) -> ExportedFile:
        """Write the summary as JSON, atomically and owner-only (it holds the record's text), and
        audit the export ("summary.export": the record id and the file's SHA-256); a missing
        directory is a one-line error."""
        from core.audit import record_ids

        target = Path(path).expanduser()
        require_parent_dir(target)
        auditor = self._audit_log() if self.location.initialized else None  # before the work: fail fast
        text = json.dumps(view.to_json(), ensure_ascii=False, indent=2) + "\n"
        with atomic_writer(target, private=True) as handle:
            handle.write(text)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if auditor is not None:
            auditor.event("summary.export", **record_ids([view.record_id]), format="json", output_sha256=digest)
        return ExportedFile(str(target), digest)

    # -- privacy -------------------------------------------------------------------------
    def privacy(self) -> PrivacyView:
        """The compliance report's budgets, runs, flags and audit state, worded for the screen."""
        opened = open_workspace(self.location)
        report = compliance_report(opened.root, opened.loaded)
        gauges = []
        for d in report["datasets"]:
            row = _budget_row(d)
            gauges.append(BudgetGauge(d["name"], d["spend"]["private_composed_epsilon"] if d["spend"]["private_runs"]
                                      else None, d["policy"]["max_epsilon"], d["spend"]["unbounded"],
                                      f"{row.spent}; policy {row.limit}"))
        runs = [LedgerRow(r["run_id"], d["name"], r["private"],
                          "-" if not r["private"] else ("?" if r["epsilon"] is None else format_epsilon(r["epsilon"])),
                          format_delta(r.get("delta")), r.get("privacy_unit", ""), r["status"],
                          r.get("steps_counted", r["steps_done"]), r["override_reason"] or "")
                for d in report["datasets"] for r in d["runs"]]
        flags = [f"{d['name']}: {flag}" for d in report["datasets"] for flag in d["flags"]]
        audit = report["audit"]
        text = (f"verified: {audit['entries']} entries, MAC chain intact" if audit["ok"] else
                f"NOT verified: {audit['reason']}" + (f" (entry {audit['bad_seq']})" if audit.get("bad_seq") else ""))
        audits = [audit_line(r["run_id"], r["empirical_audit"]).removeprefix("- ").replace("**", "")
                  for d in report["datasets"] for r in d["runs"] if r.get("empirical_audit")]
        return PrivacyView(gauges, runs, flags, bool(audit["ok"]), text, audits)

    def export_compliance(self, path: str) -> str:
        """Write the compliance report and audit the export (the same as ``medsum budget --report``)."""
        opened = open_workspace(self.location)
        target = Path(path).expanduser()
        require_parent_dir(target)
        return ExportedFile(str(target), export_report(opened.root, opened.loaded, target))

    # -- evaluation ----------------------------------------------------------------------
    def runs(self) -> list[RunRow]:
        """Every run of the workspace, newest first."""
        if not self.location.initialized:
            return []
        rows = sorted(RunsTable(self.location.path).list(), key=lambda r: r.created_at, reverse=True)
        return [_run_row(r) for r in rows]

    def eval_report(self, run_id: str) -> EvalView | None:
        """The run's ``eval/report-test.json`` as a view, if it exists."""
        from core.evaluation.run_eval import report_paths
        from core.train.run import run_dir

        path = report_paths(run_dir(self.location.path, run_id), "test")[0]
        if not path.is_file():
            return None
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise MedsumError(f"{path}: the report cannot be read ({type(exc).__name__}); evaluate the run again") \
                from None
        return _eval_view(run_id, report)

    def start_evaluation(self, run_id: str) -> EvalHandle:
        """``medsum eval RUN`` with the workspace's generation settings, in a child process; every
        one still going when this process exits is cancelled."""
        handle, child = spawn_evaluation(open_workspace(self.location).root, run_id)
        with self._lock:
            if not self._evaluations:
                atexit.register(self._stop_evaluations)
            self._evaluations[handle.pid] = child
        return handle

    def evaluation_events(self, handle: EvalHandle, offset: int) -> tuple[list[dict[str, Any]], int]:
        """New complete event lines since ``offset``; an "exit" event once the process is gone
        without having said how it ended."""
        events, offset = read_events(handle.events, offset)
        if events:
            return events, offset
        child = self._evaluations.get(handle.pid)
        if child is not None and child.poll() is None:
            return [], offset
        events, offset = read_events(handle.events, offset)  # what it wrote just before exiting
        said = any(e.get("event") in ("end", "cancelled", "error") for e in events)
        return events + ([] if said else [eval_exit_event(handle)]), offset

    def cancel_evaluation(self, handle: EvalHandle) -> bool:
        """SIGTERM to the evaluation's process, which then writes nothing."""
        child = self._evaluations.get(handle.pid)
        return child is not None and stop_evaluation(child)

    def _stop_evaluations(self) -> None:
        """At exit: cancel every evaluation this TUI started that is still going."""
        for child in list(self._evaluations.values()):
            stop_evaluation(child)

    # -- models --------------------------------------------------------------------------
    def models(self) -> list[ModelRow]:
        """The store's models (none before ``medsum init``)."""
        if not self.location.initialized:
            return []
        return [_model_row(m) for m in list_models(self.location.path)]

    def import_model(self, path: str, name: str, on_progress: Callable[[str, int, int], None]) -> ModelRow:
        """``medsum models import``: refuses pickle weights (the CLI's --allow-pickle is not offered here)."""
        from core.models import import_model

        opened = open_workspace(self.location)
        entry = import_model(opened.root, Path(path).expanduser(), name, on_progress=on_progress)
        return _model_row(entry)

    def verify_model(self, name: str) -> list[str]:
        """``medsum models verify``: every changed, missing or extra file (audited)."""
        from core.models.store import verify_details

        return [f"{rel}: {state}" for rel, state in verify_details(open_workspace(self.location).root, name)]

    # -- demo data -----------------------------------------------------------------------
    def demo_import(self, on_step: Callable[[str], None]) -> str:
        """What ``medsum demo`` does before training: corpus, dataset (redacted) and tiny model."""
        from core.demo import build_demo_model, import_demo_dataset
        from core.synth import generate_corpus, write_corpus
        from core.workspace import init_workspace

        n, seed = 2000, 0
        if not self.location.initialized:
            on_step(f"initializing the workspace {self.location.path}")
        opened, _ = init_workspace(self.location)  # repairs, never overwrites
        corpus_file = opened.root / "demo" / "synthetic.jsonl"
        if not corpus_file.is_file():
            on_step(f"synthesizing {n} records")
            corpus_file.parent.mkdir(mode=0o700, exist_ok=True)
            write_corpus(generate_corpus(n, seed), corpus_file, None)
        on_step("de-identifying and importing them as a dataset")
        name, _ = import_demo_dataset(opened, corpus_file, n=n, seed=seed)
        on_step("building the tiny model")
        build_demo_model(opened, name, seed=seed)
        on_step(f"done: dataset {name} and model demo-tiny-t5")
        return name

    # -- training ------------------------------------------------------------------------
    def model_names(self) -> list[str]:
        """The stored models (none before ``medsum init``)."""
        return [m.name for m in self.models()]

    def plan_training(self, form: TrainForm) -> TrainPlan:
        """The CLI's ``--plan``: the DP plan, the budget check (a refusal names its fixes, in the
        form's own words), and how many training targets the target length truncates. Writes nothing."""
        from pydantic import ValidationError

        from core.train.config import TrainConfig
        from core.train.spend import preflight
        from core.train.truncation import target_truncation
        from medsum_tui.cli._progress import describe_preflight

        opened = open_workspace(self.location)
        try:
            # The other fields keep their defaults, as in the child's `medsum train`.
            config = TrainConfig(dataset=form.dataset, model=form.model, full=form.full,  # type: ignore[call-arg]
                                 lora_r=form.lora_r, epochs=form.epochs, max_steps=form.max_steps,
                                 batch_size=form.batch_size, max_target_len=form.max_target_len, dp=form.dp,
                                 target_epsilon=form.target_epsilon, delta=form.delta,
                                 privacy_unit=form.privacy_unit)  # type: ignore[arg-type]
        except ValidationError as exc:
            first = exc.errors()[0]
            field = str(first["loc"][0]) if first["loc"] else ""
            where = f"{FORM_LABELS.get(field, field)}: " if field else ""
            raise MedsumError(f"{where}{first['msg'].removeprefix('Value error, ')}") from None
        reason = bool(form.override_reason and form.override_reason.strip())
        summary = preflight(opened.root, config, suggest=not reason).summary()  # overridden: no search for a fit
        lines = describe_preflight(summary, TUI_HINTS)
        try:
            lines.append(target_truncation(opened.root, config).sentence())
        except MedsumError as exc:
            lines.append(f"Targets: not counted ({exc})")
        refused = not summary["allowed"]
        return TrainPlan(lines, not refused or reason, refused)

    def start_training(self, form: TrainForm) -> TrainingHandle:
        """Start the run in a detached child process that outlives the TUI."""
        handle, child = spawn_training(open_workspace(self.location).root, form)
        self._children[handle.pid] = child
        return handle

    def running(self) -> list[TrainingHandle]:
        """Runs whose process is alive, newest first, with their own events file."""
        if not self.location.initialized:
            return []
        root = self.location.path
        alive = [r for r in RunsTable(root).list() if r.status == RunStatus.RUNNING and process_alive(r.pid)]
        return [TrainingHandle(r.pid or 0, str(root / "runs" / r.run_id / "events.jsonl"), r.run_id)
                for r in sorted(alive, key=lambda r: r.created_at, reverse=True)]

    def training_events(self, handle: TrainingHandle, offset: int) -> tuple[list[dict[str, Any]], int]:
        """New complete event lines since ``offset``; an "exit" event once the process is gone
        and has nothing more to say (the screen then shows why, if the run never ended)."""
        events, offset = read_events(handle.events, offset)
        if events:
            return events, offset
        child = self._children.get(handle.pid)
        alive = child.poll() is None if child is not None else process_alive(handle.pid)
        if alive:
            return [], offset
        events, offset = read_events(handle.events, offset)  # what it wrote just before exiting
        return events + [exit_event(handle)], offset

    def cancel_training(self, handle: TrainingHandle) -> bool:
        """SIGTERM to the run's process: it settles its ledger entry and ends as killed. False when it
        has already exited (a child of this TUI that exited is reaped here, never signalled)."""
        child = self._children.get(handle.pid)
        if child is not None and child.poll() is not None:
            return False
        return stop_training(handle.pid)


#: A made-up record (no real person) that the de-identifier warms its word lists and patterns on.
_WARM_RECORD = {"id": "warm-up", "patient_name": "Jane Example",
                "patient_history": "Seen 03/14/2023 by Dr. Example for SOB; Rx: ASA. Call 555-0100."}


def _warm_deidentifier(config: Any) -> None:
    """De-identify :data:`_WARM_RECORD` once, so the first real record does not pay for loading the
    word lists and compiling the patterns (they are cached for the process)."""
    from privacy.deid.engine import Deidentifier

    Deidentifier(config.deid, id_field=config.records.id_field).deidentify(
        _WARM_RECORD, "warm-up", strategy="redact", residual_scan=False)


def _eval_view(run_id: str, report: dict[str, Any]) -> EvalView:
    from core.evaluation.report import systems_table

    head, phi, gen = report["headline"], report["phi_scan"], report.get("generation", {})
    verdict = "beats" if head.get("beats_baselines") else "does NOT beat"
    headline = (f"ROUGE-L {head['rougeL']:.3f} {verdict} the best baseline, {head.get('best_baseline')} "
                f"({head.get('best_baseline_rougeL', 0.0):.3f})")
    scan = (f"PHI scan: {phi['new']} new identifier(s) in {phi.get('summaries_with_new', 0)} summaries"
            if phi["new"] else f"PHI scan: no new identifier in {phi['summaries']} summaries")
    settings = (f"beams {gen.get('num_beams')}, max new tokens {gen.get('max_new_tokens')}, "
                f"no-repeat n-gram {gen.get('no_repeat_ngram_size')}, {gen.get('seconds', '?')} s")
    return EvalView(run_id, _figures_first(systems_table(report)), headline, scan, settings,
                    str(head.get("evaluated_at", "")))


#: The report table's columns as the TUI orders them: the headline figures next to the system
#: name, so that a narrow terminal cuts the secondary ROUGE variants, not them.
_EVAL_COLUMNS = ("system", "ROUGE-L", "fid. precision", "fid. recall", "ROUGE-1", "ROUGE-2", "ROUGE-Lsum")


def _figures_first(rows: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """``rows`` (header first) with their columns in the order of ``_EVAL_COLUMNS`` (unknown
    columns keep their place after them)."""
    header = rows[0]
    order = [header.index(name) for name in _EVAL_COLUMNS if name in header]
    order += [i for i in range(len(header)) if i not in order]
    return [tuple(row[i] for i in order) for row in rows]


def _run_row(run: Any) -> RunRow:
    """A runs-table row (:class:`core.train.RunInfo`) as the screens show it."""
    return RunRow(run.run_id, run.dataset, run.model, str(run.status), run.step, run.total_steps, run.best_val_loss,
                  _rouge_l(run.eval))


def _model_row(entry: Any) -> ModelRow:
    """A store entry (:class:`core.models.ModelEntry`) as the screens show it."""
    return ModelRow(entry.name, entry.family, entry.parameters, entry.source)


def _rouge_l(headline: dict[str, object] | None) -> float | None:
    value = (headline or {}).get("rougeL")
    return float(value) if isinstance(value, (int, float)) else None


def _budget_row(report: dict[str, Any]) -> BudgetRow:
    spend, policy = report["spend"], report["policy"]
    if spend["unbounded"]:
        spent = "unbounded (non-private run)"
    elif spend["private_runs"]:
        spent = f"ε {format_epsilon(spend['composed_epsilon'])}, δ {format_delta(spend['delta'])}"
    else:
        spent = "nothing spent"
    if policy["max_epsilon"] is None:
        limit = "no limit set"
    else:
        limit = f"ε ≤ {format_epsilon(policy['max_epsilon'])}, δ ≤ {format_delta(policy['max_delta'])}"
    return BudgetRow(report["name"], spent, limit, spend["within_policy"], spend["nonprivate_runs"])
