"""``medsum budget``, ``medsum budget reconcile``, ``medsum audit verify`` and the compliance report."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.audit import audit_path
from core.ledger import open_ledger
from core.reconcile import reconcile, spent_on_disk
from core.train.runs import RunsTable, RunStatus
from privacy.accounting import epsilon_for
from privacy.ledger import DpParams
from tests.ledgers import sealed_ledger

DP = DpParams(noise_multiplier=1.0, sample_rate=0.01, steps=60, max_grad_norm=1.0, delta=1e-5, accountant="prv",
              privacy_unit="record", poisson=True, population=1000, expected_batch_size=10.0, target_epsilon=None)


@pytest.fixture
def ws(medsum, tmp_path: Path) -> Path:
    """A workspace whose ledger holds dataset ``notes`` (patients with several records) with a
    private run, a private run by override, and a non-private run."""
    root = tmp_path / "ws"
    assert medsum("init", "--workspace", str(root)).code == 0
    ledger = sealed_ledger(root)
    ledger.record_dataset("notes", fingerprint="f" * 64, records=10, patients=4,
                          deid={"strategy": "redact", "phi_found": 7, "phi_by_category": {"NAME": 7}, "residual": 0,
                                "skipped": 0})
    for run_id, dp, reason in (("r-dp", DP, None), ("r-over", replace(DP, noise_multiplier=1.2), "IRB 2026-14"),
                               ("r-plain", None, None)):
        ledger.reserve(run_id, dataset="notes", fingerprint="f" * 64, model="tb", dp=dp, planned_epsilon=None,
                       override_reason=reason)
        ledger.settle(run_id, steps_done=40, epsilon=None, outcome="finished")
    return root


def test_budget_table_and_flags(medsum, ws: Path) -> None:
    (ws / "config.toml").write_text("schema_version = 1\n[budget]\nmax_epsilon = 5.0\n")
    result = medsum("budget", "--workspace", str(ws))
    assert result.code == 1, result.err  # over the policy: unbounded against max epsilon 5
    header, row = result.out.splitlines()
    assert header.split()[:3] == ["dataset", "policy", "composed"]
    assert row.startswith("notes") and "eps 5 (workspace config)" in row and "unbounded" in row and "2/1/0" in row
    assert "medsum: warning: notes: unbounded: non-private run r-plain" in result.err
    assert "r-dp: the guarantee is per record, not per patient" in result.err
    assert "r-over: trained over the budget policy by override: IRB 2026-14" in result.err
    assert medsum("budget", "--workspace", str(ws), "--dataset", "notes").out == result.out
    missing = medsum("budget", "--workspace", str(ws), "--dataset", "nope")
    assert missing.code == 1 and missing.err.count("\n") == 1 and "dataset nope: not in this workspace" in missing.err


def test_compliance_report_in_both_formats(medsum, ws: Path, tmp_path: Path) -> None:
    md, js = tmp_path / "report.md", tmp_path / "report.json"
    for path in (md, js):
        result = medsum("budget", "--workspace", str(ws), "--report", str(path))
        assert result.code == 0, result.err
        assert f"Report: {path} (sha256 {hashlib.sha256(path.read_bytes()).hexdigest()};" in result.out
    data = json.loads(js.read_text())
    (notes,) = data["datasets"]
    assert notes["spend"]["unbounded"] and notes["spend"]["composed_epsilon"] is None
    assert 0 < notes["spend"]["private_composed_epsilon"] <= notes["spend"]["naive_epsilon"]
    run = next(r for r in notes["runs"] if r["run_id"] == "r-dp")
    assert {k: run[k] for k in ("privacy_unit", "adjacency", "population", "sample_rate", "poisson", "steps_counted",
                                "noise_multiplier", "max_grad_norm", "accountant", "delta")} == {
        "privacy_unit": "record", "adjacency": "add/remove one record", "population": 1000, "sample_rate": 0.01,
        "poisson": True, "steps_counted": 40, "noise_multiplier": 1.0, "max_grad_norm": 1.0, "accountant": "prv",
        "delta": 1e-5}
    assert run["epsilon"] == pytest.approx(epsilon_for([(1.0, 0.01, 40)], 1e-5), abs=1e-6)
    assert notes["overrides"] == [{"run_id": "r-over", "reason": "IRB 2026-14"}]
    assert "unbounded: non-private run r-plain" in notes["flags"]
    assert data["audit"]["ok"] and data["audit"]["entries"] == 1  # the first export
    assert any("secure_mode" in item for item in data["not_covered"]) and data["library_versions"]["opacus"]
    text = md.read_text()
    for expected in ("# MedSum compliance report", "## Dataset notes", "Composed epsilon: **unbounded**: a non-private run",
                     "add/remove one record", "Poisson sampling", "noise multiplier 1", "clipping norm 1",
                     "PRV accountant", "unbounded: non-private run r-plain", "the guarantee is per record, not per patient",
                     "r-over: IRB 2026-14", "Audit log: verified", "## Not covered by the guarantee", "- opacus: "):
        assert expected in text, expected
    exports = [json.loads(line) for line in audit_path(ws).read_text().splitlines()]
    assert [e["op"] for e in exports] == ["report.export", "report.export"]
    assert exports[1]["fields"]["body_sha256"] == data["integrity"]["body_sha256"]
    assert data["integrity"]["audit_seq"] == exports[1]["seq"] == 2
    wrong = medsum("budget", "--workspace", str(ws), "--report", str(tmp_path / "report.txt"))
    assert wrong.code == 2 and "a report is .md (Markdown) or .json" in wrong.err


def test_audit_verify_ok_then_tampered(medsum, ws: Path) -> None:
    medsum("budget", "--workspace", str(ws), "--report", str(ws / "reports" / "r.json"))
    ok = medsum("audit", "verify", "--workspace", str(ws))
    assert ok.code == 0 and ok.out.strip() == "Audit log: OK, 1 entry"
    assert medsum("audit", "verify", "--workspace", str(ws)).out.strip() == "Audit log: OK, 2 entries"
    log = audit_path(ws)
    lines = log.read_text().splitlines(keepends=True)
    log.write_text(lines[0].replace('"format":"json"', '"format":"md"') + lines[1])
    before = log.read_text()
    bad = medsum("audit", "verify", "--workspace", str(ws))
    assert bad.code == 1 and bad.err.count("\n") == 1
    assert "medsum: error: audit log: entry 1 (line 1): its mac does not match" in bad.err
    assert log.read_text() == before  # a broken log gets nothing appended


def _dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    return int(proc.stdout)


def _events(path: Path, *spans: tuple[int, int]) -> None:
    lines = []
    for first, last in spans:
        lines.append({"event": "start", "step": first})
        lines += [{"event": "step", "step": s, "loss": 1.0} for s in range(first + 1, last + 1)]
    path.write_text("".join(json.dumps(e) + "\n" for e in lines) + '{"event": "step", "st')  # torn last line


def _checkpoint(run_dir: Path, step: int) -> None:
    import torch

    (run_dir / "checkpoint").mkdir(parents=True)
    torch.save({"progress": {"step": step, "epoch": 0}}, run_dir / "checkpoint" / "trainer_state.pt")


def test_spent_steps_from_events_and_checkpoint(tmp_path: Path) -> None:
    assert spent_on_disk(tmp_path) == 0
    _checkpoint(tmp_path, 8)
    assert spent_on_disk(tmp_path) == 8
    _events(tmp_path / "events.jsonl", (0, 11))
    assert spent_on_disk(tmp_path) == 11  # steps after the checkpoint were spent too
    _events(tmp_path / "events.jsonl", (0, 11), (8, 10))  # resumed from step 8, killed at 10
    assert spent_on_disk(tmp_path) == 13


def test_reconcile_settles_runs_whose_process_is_gone(medsum, ws: Path) -> None:
    ledger, table = sealed_ledger(ws), RunsTable(ws)
    for run_id in ("dead", "alive"):
        ledger.reserve(run_id, dataset="notes", fingerprint="f" * 64, model="tb", dp=DP, planned_epsilon=None)
        table.create(run_id, "notes", "tb")
        (ws / "runs" / run_id).mkdir()
    ledger.update_steps("dead", 3)
    table.update("dead", status=RunStatus.RUNNING, pid=_dead_pid())
    table.update("alive", status=RunStatus.RUNNING, pid=os.getpid())
    _checkpoint(ws / "runs" / "dead", 8)
    _events(ws / "runs" / "dead" / "events.jsonl", (0, 11))
    ledger.reserve("ghost", dataset="notes", fingerprint="f" * 64, model="tb", dp=None, planned_epsilon=None)

    result = medsum("budget", "reconcile", "--workspace", str(ws))
    assert result.code == 0, result.err
    epsilon = epsilon_for([(1.0, 0.01, 11)], 1e-5)
    assert f"Settled dead (dataset notes): 11 steps, epsilon {epsilon:.3g}; its process is gone (killed)" in result.out
    assert f"Left alive (dataset notes) reserved: its process {os.getpid()} is still running" in result.out
    assert "Left ghost (dataset notes) reserved: it is not running yet" in result.out
    dead = ledger.get_run("dead")
    assert (dead.status, dead.outcome, dead.steps_done) == ("settled", "reconciled", 11)
    assert dead.epsilon == pytest.approx(epsilon)
    assert ledger.get_run("alive").status == "reserved"
    (entry,) = [json.loads(line) for line in audit_path(ws).read_text().splitlines()]
    assert entry["op"] == "budget.reconcile"
    assert entry["fields"] == {"run_id": "dead", "dataset": "notes", "steps_done": 11, "epsilon": round(epsilon, 6),
                               "runs_table_status": "killed"}
    # A reservation that never got a run (a crash before it started) is settled once it is old.
    (ghost,) = [r for r in reconcile(ws, now=datetime.now(UTC) + timedelta(hours=1)) if r.run_id == "ghost"]
    assert ghost.settled and ghost.steps_done == 0 and ledger.get_run("ghost").outcome == "reconciled"
    assert medsum("budget", "reconcile", "--workspace", str(ws)).out.startswith("Left alive")
