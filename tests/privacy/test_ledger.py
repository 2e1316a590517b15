"""The privacy ledger: run lifecycle, two processes at once, and spend composition."""

from __future__ import annotations

import multiprocessing
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from privacy.accounting import epsilon_for
from privacy.ledger import DpParams, Ledger, LedgerError, counted_steps

DP = DpParams(noise_multiplier=1.0, sample_rate=0.01, steps=60, max_grad_norm=1.0, delta=1e-5, accountant="prv",
              privacy_unit="record", poisson=True, population=1000, expected_batch_size=10.0, target_epsilon=None)


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger(tmp_path / "privacy" / "ledger.sqlite")


def _reserve(ledger: Ledger, run_id: str, dp: DpParams | None = DP, dataset: str = "notes") -> None:
    ledger.reserve(run_id, dataset=dataset, fingerprint="f" * 64, model="tb", dp=dp, planned_epsilon=None)


def test_schema_in_wal_mode_and_private_folder(ledger: Ledger) -> None:
    assert ledger.path.parent.stat().st_mode & 0o777 == 0o700
    with sqlite3.connect(ledger.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert Ledger(ledger.path).runs() == []  # reopening keeps the schema


def test_run_lifecycle_reserve_update_settle_reopen(ledger: Ledger) -> None:
    ledger.reserve("r1", dataset="notes", fingerprint="abc", model="tb", dp=DP, planned_epsilon=1.5,
                   override_reason="approved by IRB 12")
    run = ledger.get_run("r1")
    assert (run.status, run.steps_done, run.steps_planned, run.dp, run.planned_epsilon) == ("reserved", 0, 60, DP, 1.5)
    assert run.override_reason == "approved by IRB 12" and run.private
    ledger.update_steps("r1", 20)
    ledger.update_steps("r1", 10)  # the count never goes down
    assert ledger.get_run("r1").steps_done == 20
    ledger.settle("r1", steps_done=30, epsilon=0.9, outcome="killed")
    run = ledger.get_run("r1")
    assert (run.status, run.outcome, run.steps_done, run.epsilon) == ("settled", "killed", 30, 0.9)
    with pytest.raises(LedgerError, match="run r1 is already settled"):
        ledger.settle("r1", steps_done=30, epsilon=0.9, outcome="finished")
    ledger.reopen("r1", steps_planned=70)
    run = ledger.get_run("r1")
    assert (run.status, run.outcome, run.epsilon, run.steps_planned, run.steps_done) == ("reserved", None, None, 70, 30)
    assert run.planned_epsilon == pytest.approx(epsilon_for([(1.0, 0.01, 70)], 1e-5))
    ledger.settle("r1", steps_done=70, epsilon=None, outcome="finished")
    assert ledger.get_run("r1").status == "settled"


def test_refusals_name_the_run(ledger: Ledger) -> None:
    _reserve(ledger, "r1")
    with pytest.raises(LedgerError, match="run r1 is already in the privacy ledger"):
        _reserve(ledger, "r1")
    with pytest.raises(LedgerError, match="run nope is not in the privacy ledger"):
        ledger.update_steps("nope", 1)
    with pytest.raises(LedgerError, match="outcome 'done'"):
        ledger.settle("r1", steps_done=1, epsilon=None, outcome="done")
    with pytest.raises(LedgerError, match="run r2: invalid DP parameters: accountant 'gdp'"):
        _reserve(ledger, "r2", replace(DP, accountant="gdp"))
    with pytest.raises(KeyError):
        ledger.get_run("nope")


def test_non_private_run_and_datasets(ledger: Ledger) -> None:
    _reserve(ledger, "plain", dp=None)
    ledger.settle("plain", steps_done=5, epsilon=1.0, outcome="finished")
    run = ledger.get_run("plain")
    assert run.dp is None and run.epsilon is None and run.steps_done == 5
    ledger.record_dataset("notes", fingerprint="a", records=10, patients=4, deid={"strategy": "redact"})
    ledger.record_dataset("notes", fingerprint="b", records=12, patients=5, deid={"strategy": "redact", "NAME": 3})
    (entry,) = ledger.datasets()
    assert (entry.name, entry.fingerprint, entry.records, entry.patients) == ("notes", "b", 12, 5)
    assert entry.deid == {"strategy": "redact", "NAME": 3}


def test_recording_a_dataset_again_keeps_what_its_import_recorded(ledger: Ledger) -> None:
    """A training run records its dataset with the few counts dataset.json holds: for the same
    data that completes the import's summary and never erases its counts by category."""
    imported = {"strategy": "surrogate", "phi_found": 9, "phi_by_category": {"DATE": 4, "NAME": 5}, "residual": 0,
                "residual_records": [], "allow_list_pass": True, "skipped": 0}
    ledger.record_dataset("notes", fingerprint="a", records=10, patients=4, deid=imported)
    ledger.record_dataset("notes", fingerprint="a", records=10, patients=4,
                          deid={"strategy": "surrogate", "phi_found": 9, "residual": 0, "skipped": 0})
    assert ledger.datasets()[0].deid == imported
    ledger.record_dataset("notes", fingerprint="b", records=3, patients=1, deid={"strategy": "redact"})  # new data
    assert ledger.datasets()[0].deid == {"strategy": "redact"}


def test_audit_head_round_trip(ledger: Ledger) -> None:
    assert ledger.audit_head() is None
    ledger.set_audit_head(3, "ab")
    ledger.set_audit_head(4, "cd")
    assert ledger.audit_head() == (4, "cd")


def _writer(path: str, prefix: str, count: int) -> None:
    ledger = Ledger(Path(path))
    for i in range(count):
        run_id = f"{prefix}-{i}"
        ledger.reserve(run_id, dataset="notes", fingerprint="f", model="m", dp=None, planned_epsilon=None)
        ledger.update_steps(run_id, i)
        ledger.set_audit_head(i, prefix)
        ledger.settle(run_id, steps_done=i, epsilon=None, outcome="finished")


def test_two_processes_write_at_once(ledger: Ledger) -> None:
    context = multiprocessing.get_context("spawn")
    procs = [context.Process(target=_writer, args=(str(ledger.path), name, 40)) for name in ("a", "b")]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    runs = ledger.runs("notes")
    assert len(runs) == 80 and all(r.status == "settled" for r in runs)


def test_spend_composes_below_the_naive_sum(ledger: Ledger) -> None:
    _reserve(ledger, "r1")
    ledger.settle("r1", steps_done=60, epsilon=None, outcome="finished")
    _reserve(ledger, "r2", replace(DP, noise_multiplier=1.2, sample_rate=0.02, delta=2e-5))
    ledger.settle("r2", steps_done=60, epsilon=None, outcome="finished")
    _reserve(ledger, "other", dataset="elsewhere")
    spend = ledger.spend("notes")
    assert spend.delta == 2e-5 and spend.naive_delta == pytest.approx(3e-5)
    assert (spend.private_runs, spend.nonprivate_runs, spend.reserved_runs, spend.unbounded) == (2, 0, 0, False)
    assert spend.run_epsilons["r1"] == pytest.approx(epsilon_for([(1.0, 0.01, 60)], 1e-5))
    assert spend.naive_epsilon == pytest.approx(sum(spend.run_epsilons.values()))
    assert 0 < spend.composed_epsilon <= spend.naive_epsilon
    assert spend.accountant == "prv"


def test_non_private_run_makes_the_spend_unbounded(ledger: Ledger) -> None:
    _reserve(ledger, "plain", dp=None)
    spend = ledger.spend("notes")
    assert spend.unbounded and spend.nonprivate_runs == 1 and spend.composed_epsilon == 0.0
    assert ledger.spend("empty") == replace(spend, dataset="empty", unbounded=False, nonprivate_runs=0,
                                            reserved_runs=0)


def test_reserved_run_counts_its_planned_steps(ledger: Ledger) -> None:
    _reserve(ledger, "r1")
    ledger.update_steps("r1", 10)
    assert counted_steps(ledger.get_run("r1")) == 60
    reserved = ledger.spend("notes")
    assert reserved.run_steps == {"r1": 60} and reserved.reserved_runs == 1
    ledger.settle("r1", steps_done=10, epsilon=None, outcome="failed")
    settled = ledger.spend("notes")
    assert settled.run_steps == {"r1": 10}
    assert settled.composed_epsilon < reserved.composed_epsilon


def test_extra_planned_run_and_rdp_composition(ledger: Ledger) -> None:
    rdp = replace(DP, accountant="rdp")
    _reserve(ledger, "r1", rdp)
    before = ledger.spend("notes")
    after = ledger.spend("notes", extra=rdp)
    assert before.accountant == after.accountant == "rdp"
    assert after.private_runs == 2 and after.composed_epsilon > before.composed_epsilon
    assert after.composed_epsilon == pytest.approx(epsilon_for([(1.0, 0.01, 60)] * 2, 1e-5, "rdp"))
    assert ledger.spend("notes", extra=DP).accountant == "prv"  # mixed: PRV


def test_stored_epsilon_recomputes_with_opacus_directly(ledger: Ledger) -> None:
    from opacus.accountants import PRVAccountant

    epsilon = epsilon_for([(DP.noise_multiplier, DP.sample_rate, 45)], DP.delta, "prv")
    _reserve(ledger, "r1")
    ledger.settle("r1", steps_done=45, epsilon=epsilon, outcome="finished")
    run = ledger.get_run("r1")
    assert run.dp is not None
    accountant = PRVAccountant()
    accountant.history = [(run.dp.noise_multiplier, run.dp.sample_rate, run.steps_done)]
    assert accountant.get_epsilon(delta=run.dp.delta) == pytest.approx(run.epsilon, rel=1e-9)
