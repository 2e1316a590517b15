"""The real backend over a real workspace, and the app driven on it (no fake core)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import stat
import time
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input

from core.datasets import import_dataset
from core.errors import MedsumError
from core.synth import generate_corpus, write_corpus
from core.workspace import init_workspace, resolve_workspace
from medsum_tui.tui.app import MedsumApp
from medsum_tui.tui.backend import RecordSource
from medsum_tui.tui.local import LocalBackend
from medsum_tui.tui.screens.dashboard import DashboardScreen
from tests.tui.conftest import SIZE, row_text, settle


@pytest.fixture
def setup(tmp_path: Path) -> tuple[LocalBackend, Path, list[dict]]:
    """A workspace with one imported (redacted) dataset, and the raw file beside it."""
    opened, _ = init_workspace(resolve_workspace(tmp_path / "ws"))
    corpus = generate_corpus(40, 5)
    raw = tmp_path / "raw.jsonl"
    write_corpus(corpus, raw, None)
    import_dataset(opened, raw, "notes", strategy="redact")
    return LocalBackend(opened.location), raw, corpus.records


def test_dashboard_lists_what_the_workspace_holds(setup) -> None:
    backend, _, _ = setup
    data = backend.dashboard()
    assert data.initialized
    assert [d.name for d in data.datasets] == ["notes"] and data.datasets[0].records == 40
    assert data.datasets[0].strategy == "redact" and data.datasets[0].residual == 0
    assert data.runs == [] and data.models == []
    assert [b.dataset for b in data.budgets] == ["notes"] and data.budgets[0].spent == "nothing spent"


def test_uninitialized_workspace_is_reported_not_raised(tmp_path: Path) -> None:
    data = LocalBackend(resolve_workspace(tmp_path / "none")).dashboard()
    assert not data.initialized and data.datasets == []


def test_dataset_records_hold_no_raw_phi(setup) -> None:
    backend, _, records = setup
    source = RecordSource("dataset", "notes", "train")
    page = backend.records(source, offset=0, limit=10)
    assert len(page.rows) == 10 and page.total > 10
    view = backend.record(source, page.rows[0].record_id)
    assert view.raw is None
    names = {r["patient_name"] for r in records}
    assert not any(name in view.deidentified for name in names)
    assert any(h.category == "NAME" for h in view.deidentified_highlights)
    assert all(view.deidentified[h.start:h.end] == f"[{h.category}]" for h in view.deidentified_highlights)


def test_file_records_show_raw_phi_highlighted_and_redacted_beside_it(setup) -> None:
    backend, raw, records = setup
    source = RecordSource("file", str(raw))
    first = records[0]
    page = backend.records(source, offset=0, limit=5, query=first["patient_name"].split()[-1])
    assert first["id"] in [r.record_id for r in page.rows]
    assert all(first["patient_name"] not in r.preview for r in page.rows)  # previews are redacted
    view = backend.record(source, first["id"])
    assert view.raw is not None and first["patient_name"] in view.raw
    spans = {(view.raw[h.start:h.end], h.category) for h in view.raw_highlights}
    assert (first["patient_name"], "NAME") in spans and (first["dob"], "DATE") in spans
    assert first["patient_name"] not in view.deidentified and "[NAME]" in view.deidentified


def test_bad_sources_fail_with_one_line(setup, tmp_path: Path) -> None:
    backend, _, _ = setup
    with pytest.raises(MedsumError, match="no split 'dev'"):
        backend.records(RecordSource("dataset", "notes", "dev"), offset=0, limit=5)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(["not a record"]) + "\n", encoding="utf-8")
    with pytest.raises(MedsumError, match="no valid records"):
        backend.records(RecordSource("file", str(bad)), offset=0, limit=5)


def test_app_on_the_real_core(setup) -> None:
    backend, _, _ = setup

    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            assert isinstance(app.screen, DashboardScreen)
            datasets = app.screen.query_one("#datasets", DataTable)
            assert row_text(datasets, 0)[0] == "notes"
    asyncio.run(run())


@pytest.mark.slow
def test_summarize_with_a_tiny_model_through_the_app(setup, tmp_path: Path) -> None:
    """The real core end to end: a tiny random-init model summarizes a dataset record and a
    raw file record (de-identified in memory), and the Summarize screen shows and exports it."""
    from core.datasets import load_splits
    from core.models.tiny import init_tiny
    from medsum_tui.tui.screens.summarize import SummarizeScreen

    backend, raw, records = setup
    root = backend.location.path
    train = load_splits(root, "notes")["train"]
    init_tiny(root, "t5", "tiny", [*train["source"], *train["target"]], seed=0)
    choices = backend.summarizers()
    assert [(c.kind, c.name) for c in choices] == [("model", "tiny")]
    view = backend.summarize(RecordSource("file", str(raw)), records[0]["id"], choices[0])
    assert view.record_id == records[0]["id"] and view.provenance["model"] == "tiny"
    assert view.provenance["strategy"] == "surrogate" and isinstance(view.summary, str)
    assert view.source_text and records[0]["patient_name"].split()[-1] not in view.source_text  # de-identified
    assert all(0 <= span.start < span.end <= len(view.source_text) for s in view.sentences for span in s.spans)

    async def run() -> None:
        app = MedsumApp(backend)
        app.selected = (RecordSource("dataset", "notes", "test"), load_splits(root, "notes")["test"]["id"][0])
        async with app.run_test(size=SIZE) as pilot:
            await app.switch_mode("summarize")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, SummarizeScreen)
            await pilot.press("s")
            await settle(app, pilot)
            assert screen.view is not None and "PHI scan" in str(screen.query_one("#checks").render())
            out = tmp_path / "summary.json"
            old_umask = os.umask(0)  # a permissive umask: the export must still be owner-only
            try:
                await pilot.press("x")
                screen.query_one("#export", Input).value = str(out)  # set, not typed key by key
                await pilot.press("enter")
                await settle(app, pilot)
            finally:
                os.umask(old_umask)
            exported = json.loads(out.read_text(encoding="utf-8"))
            assert exported["id"] == screen.view.record_id
            assert exported["source_text"] == screen.view.source_text and isinstance(exported["sources"], list)
            assert stat.S_IMODE(out.stat().st_mode) == 0o600
            digest = hashlib.sha256(out.read_bytes()).hexdigest()
            assert any(digest in n.message for n in app._notifications)  # the screen shows the SHA-256
    asyncio.run(run())


def test_privacy_view_and_compliance_export(setup, tmp_path: Path) -> None:
    backend, _, _ = setup
    view = backend.privacy()
    assert [g.dataset for g in view.gauges] == ["notes"] and view.gauges[0].epsilon is None
    assert view.runs == [] and view.audit_ok

    def entries(text: str) -> int:
        return int(re.search(r"(\d+) entries", text).group(1))  # type: ignore[union-attr]

    before = entries(view.audit_text)
    old_umask = os.umask(0)  # a permissive umask: the report must still be owner-only
    try:
        written = backend.export_compliance(str(tmp_path / "compliance.md"))
    finally:
        os.umask(old_umask)
    assert "notes" in Path(written.path).read_text(encoding="utf-8")
    assert stat.S_IMODE(Path(written.path).stat().st_mode) == 0o600
    assert written.sha256 == hashlib.sha256(Path(written.path).read_bytes()).hexdigest()
    assert entries(backend.privacy().audit_text) == before + 1  # the export itself is audited
    with pytest.raises(MedsumError, match="does not exist"):
        backend.export_compliance(str(tmp_path / "missing" / "r.md"))


def _follow(backend: LocalBackend, handle, limit_s: float = 240):
    """Read the run's events until it ends (or the limit passes)."""
    import time

    from medsum_tui.tui.train_state import RunSnapshot, fold_events

    snapshot, offset, deadline = RunSnapshot(), 0, time.monotonic() + limit_s
    while not snapshot.ended and time.monotonic() < deadline:
        events, offset = backend.training_events(handle, offset)
        snapshot = fold_events(snapshot, events)
        time.sleep(0.3)
    return snapshot


@pytest.fixture
def child_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LocalBackend:
    """A workspace whose secrets a child process can open too: the encrypted file fallback."""
    monkeypatch.setenv("MEDSUM_KEYRING", "cryptfile")
    monkeypatch.setenv("MEDSUM_KEYRING_PASSPHRASE", "tui-test-passphrase")
    opened, _ = init_workspace(resolve_workspace(tmp_path / "ws"))
    raw = tmp_path / "raw.jsonl"
    write_corpus(generate_corpus(40, 5), raw, None)
    import_dataset(opened, raw, "notes", strategy="redact")
    return LocalBackend(opened.location)


@pytest.mark.slow
def test_a_child_that_fails_before_its_run_starts_is_reported(child_workspace: LocalBackend) -> None:
    from medsum_tui.tui.training import TrainForm

    handle = child_workspace.start_training(TrainForm(dataset="notes", model="no-such-model"))
    snapshot = _follow(child_workspace, handle, 120)
    assert snapshot.status == "failed" and "no-such-model" in snapshot.message


@pytest.mark.slow
def test_plan_start_and_follow_a_short_dp_run_in_a_child_process(child_workspace: LocalBackend) -> None:
    """The real thing: the pre-flight, then ``medsum train --events`` as a detached child, its
    events read until the end, one ledger entry, and nothing left running."""
    from core.datasets import load_splits
    from core.models.tiny import init_tiny
    from medsum_tui.tui.training import TrainForm

    backend = child_workspace
    root = backend.location.path
    train = load_splits(root, "notes")["train"]
    init_tiny(root, "t5", "tiny", [*train["source"], *train["target"]], seed=0)
    form = TrainForm(dataset="notes", model="tiny", full=True, max_steps=12, batch_size=8, dp=True,
                     target_epsilon=8.0)
    plan = backend.plan_training(form)
    assert plan.allowed and plan.lines[0].startswith("DP plan: epsilon")
    handle = backend.start_training(form)
    # A TUI opened meanwhile (a new backend: nothing in memory) finds the run and follows it.
    import time

    reopened, deadline, found = LocalBackend(backend.location), time.monotonic() + 120, []
    while not found and time.monotonic() < deadline:
        found = reopened.running()
        time.sleep(0.1)
    assert found and found[0].pid == handle.pid and found[0].events.endswith("events.jsonl")
    snapshot = _follow(reopened, found[0])
    assert snapshot.status == "finished", snapshot.message
    assert snapshot.run_id == found[0].run_id and snapshot.step == 12
    assert snapshot.epsilon is not None and 0 < snapshot.epsilon <= 8.0
    assert snapshot.epsilon_planned is not None and len(snapshot.losses) == 12
    assert _follow(backend, handle).status == "finished"  # the launching TUI's own view agrees
    assert backend.running() == []
    view = backend.privacy()
    assert [(r.run_id, r.private) for r in view.runs] == [(snapshot.run_id, True)] and view.audit_ok


def test_models_import_with_progress_and_verify(setup, tmp_path: Path) -> None:
    import shutil

    from core.datasets import load_splits
    from core.models.tiny import init_tiny

    backend, _, _ = setup
    root = backend.location.path
    train = load_splits(root, "notes")["train"]
    init_tiny(root, "t5", "tiny", [*train["source"], *train["target"]], seed=0)
    assert backend.verify_model("tiny") == []
    checkpoint = tmp_path / "checkpoint"
    shutil.copytree(root / "models" / "tiny", checkpoint, ignore=shutil.ignore_patterns("manifest.json"))
    stages: list[tuple[str, int, int]] = []
    row = backend.import_model(str(checkpoint), "copy", lambda *a: stages.append(a))
    assert row.name == "copy" and [m.name for m in backend.models()] == ["copy", "tiny"]
    assert stages[0][1:] == (0, stages[0][2]) and stages[-1][0] == "writing the manifest"
    weights = next((root / "models" / "copy").glob("*.safetensors"))
    weights.write_bytes(weights.read_bytes()[:-1] + b"\0")
    assert backend.verify_model("copy") == [f"{weights.name}: changed"]


@pytest.mark.slow
def test_cancel_interrupts_a_running_child_and_its_spend_is_settled(child_workspace: LocalBackend) -> None:
    """Cancel sends SIGTERM: the run ends as killed and its ledger entry is settled, not left reserved,
    even where SIGINT is ignored (a process started in the background, as CI starts pytest).
    (A non-private run: a DP plan of 100,000 steps is beyond the PRV accountant.)"""
    import time

    from core.datasets import load_splits
    from core.models.tiny import init_tiny
    from medsum_tui.tui.train_state import RunSnapshot, fold_events
    from medsum_tui.tui.training import TrainForm

    backend = child_workspace
    root = backend.location.path
    train = load_splits(root, "notes")["train"]
    init_tiny(root, "t5", "tiny", [*train["source"], *train["target"]], seed=0)
    handle = backend.start_training(TrainForm(dataset="notes", model="tiny", full=True, max_steps=100_000,
                                              batch_size=8))  # far more steps than the test waits for
    snapshot, offset, deadline = RunSnapshot(), 0, time.monotonic() + 180
    while snapshot.step < 2 and not snapshot.ended and time.monotonic() < deadline:
        events, offset = backend.training_events(handle, offset)
        snapshot = fold_events(snapshot, events)
        time.sleep(0.2)
    assert snapshot.status == "running" and snapshot.step >= 2
    assert backend.cancel_training(handle)
    while not snapshot.ended and time.monotonic() < deadline:
        events, offset = backend.training_events(handle, offset)
        snapshot = fold_events(snapshot, events)
        time.sleep(0.2)
    assert snapshot.status == "killed"
    runs = backend.privacy().runs
    assert [(r.run_id, r.status, r.private) for r in runs] == [(snapshot.run_id, "settled", False)]
    exited = False  # the "end" event comes before the process has finished exiting
    while not exited and time.monotonic() < deadline:
        events, offset = backend.training_events(handle, offset)
        exited = any(e.get("event") == "exit" for e in events)
        time.sleep(0.2)
    assert exited and backend.running() == [] and not backend.cancel_training(handle)  # nothing left to interrupt


def test_fhir_bundle_records_list_and_show_de_identified(setup, tmp_path: Path) -> None:
    """The Records screen's backend reads a FHIR Bundle like any records file: one record per
    encounter, previews redacted, the note's patient name redacted in the de-identified view."""
    from tests.core.fhir.fixtures import small_bundle, write_json

    backend, _, _ = setup
    source = RecordSource("file", str(write_json(tmp_path / "bundle.json", small_bundle())))
    page = backend.records(source, offset=0, limit=10)
    assert sorted(r.record_id for r in page.rows) == ["e1", "e2"] and page.total == 2
    assert all("Quentin" not in r.preview and "Vale" not in r.preview for r in page.rows)
    view = backend.record(source, "e1")
    assert view.raw is not None and "Quentin" in view.raw
    assert "Quentin" not in view.deidentified and "Vale" not in view.deidentified
    assert "atorvastatin" in view.deidentified and "[NAME]" in view.deidentified


def test_plan_names_the_fixes_of_a_refusal_and_counts_truncated_targets(setup) -> None:
    """The real pre-flight through the backend: the form's own words in the fixes, the largest
    epsilon that fits, the training targets the target length cuts, and an override reason."""
    from core.datasets import load_splits
    from core.models.tiny import init_tiny
    from medsum_tui.tui.training import TrainForm

    backend, _, _ = setup
    root = backend.location.path
    train = load_splits(root, "notes")["train"]
    init_tiny(root, "t5", "tiny", [*train["source"], *train["target"]], seed=0)
    with (root / "config.toml").open("a", encoding="utf-8") as handle:
        handle.write("\n[budget]\nmax_epsilon = 1.0\n")
    form = TrainForm(dataset="notes", model="tiny", max_steps=10, batch_size=4, max_target_len=8, dp=True,
                     target_epsilon=2.0)
    plan = backend.plan_training(form)
    text = "\n".join(plan.lines)
    assert plan.refused and not plan.allowed and "N = " in text and "records" in text
    assert 'lower the target epsilon to at most' in text and 'the "Target ε" field' in text
    fixes = [line for line in plan.lines if line.startswith(("To run it:", "   "))]
    assert any('"Override reason"' in line for line in fixes)
    assert not any("--" in line for line in fixes)  # the form's field names, not CLI flags
    fit = float(re.search(r"lower the target epsilon to at most ([0-9.]+)", text).group(1))  # type: ignore[union-attr]
    assert 0 < fit < 1.0 and backend.plan_training(TrainForm(**{**form.__dict__, "target_epsilon": fit})).allowed
    cut = next(line for line in plan.lines if line.startswith("Targets: "))
    assert f"of {len(train)} training targets are longer than the target length 8" in cut
    overridden = backend.plan_training(TrainForm(**{**form.__dict__, "override_reason": "IRB 2026-117",
                                                    "privacy_unit": "patient"}))
    assert overridden.refused and overridden.allowed and "patients" in overridden.lines[0]
    assert "no target epsilon fits" not in "\n".join(overridden.lines)  # not searched, so not claimed
    with pytest.raises(MedsumError, match="^Target length: "):
        backend.plan_training(TrainForm(**{**form.__dict__, "max_target_len": 2}))


def test_the_report_table_puts_the_headline_figures_next_to_the_system() -> None:
    from core.evaluation.report import systems_table
    from medsum_tui.tui.local import _figures_first

    report = {"systems": {"model": {"rouge": {"rouge1": 0.5, "rouge2": 0.25, "rougeL": 0.4, "rougeLsum": 0.45},
                                    "fidelity": {"precision": 0.9, "recall": 0.8}}}}
    rows = _figures_first(systems_table(report))
    assert rows[0][:4] == ("system", "ROUGE-L", "fid. precision", "fid. recall")
    assert sorted(rows[0]) == sorted(systems_table(report)[0])  # nothing lost, only moved
    assert dict(zip(rows[0], rows[1], strict=True)) == dict(zip(*systems_table(report), strict=True))


def test_the_dashboard_runs_the_doctor_checks_at_most_once_a_minute(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import medsum_tui.tui.local as local

    runs: list[int] = []
    real = local.run_checks

    def counted(*args: object, **kwargs: object) -> list[object]:
        runs.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(local, "run_checks", counted)
    backend = LocalBackend(resolve_workspace(tmp_path / "ws"))
    first = backend.dashboard()
    assert backend.dashboard().warnings == first.warnings and len(runs) == 1  # a refresh while a run trains
    monkeypatch.setattr(local, "DOCTOR_EVERY_S", 0.0)
    backend.dashboard()
    assert len(runs) == 2  # once the minute is over, the checks run again


def test_the_dashboard_and_train_screen_see_a_run_as_its_events_and_process_say(setup) -> None:
    """The Dashboard showed "running 0/40" at step 3 or later (the table is written at epoch
    ends), and "running" after the run had finished; the Train screen reattached to it."""
    from core.train.runs import RunsTable, RunStatus

    backend, _, _ = setup
    root = backend.location.path
    table = RunsTable(root)
    for run_id in ("r-going", "r-done"):
        table.create(run_id, "notes", "tiny")
        table.update(run_id, status=RunStatus.RUNNING, pid=os.getpid(), total_steps=40, step=0)
        (root / "runs" / run_id).mkdir(parents=True)
    steps = [json.dumps({"event": "step", "time": 1.0, "step": s, "total_steps": 40, "loss": 1.0}) for s in (1, 2, 3)]
    (root / "runs" / "r-going" / "events.jsonl").write_text("\n".join(steps) + "\n")
    end = json.dumps({"event": "end", "time": time.time(), "status": "finished", "step": 40, "message": "done"})
    (root / "runs" / "r-done" / "events.jsonl").write_text("\n".join([*steps, end]) + "\n")
    runs = {r.run_id: (r.status, r.step, r.total_steps) for r in backend.dashboard().runs}
    assert runs == {"r-going": ("running", 3, 40), "r-done": ("finished", 40, 40)}
    assert {r.run_id: (r.status, r.step) for r in backend.runs()} == {"r-going": ("running", 3),
                                                                      "r-done": ("finished", 40)}
    assert [h.run_id for h in backend.running()] == ["r-going"]
