"""An empirical privacy audit in the sealed ledger, the compliance report and the TUI's
Privacy view: the lower bound beside the accountant's epsilon, and a bound above it flagged."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from core.config import MedsumConfig
from core.report import AUDIT_READING, compliance_report, render_markdown
from core.train.canaries import canary_source, canary_target, make_canaries, read_canaries, write_canaries
from core.train.config import TrainError
from privacy.ledger import DpParams, RunAudit
from tests.ledgers import sealed_ledger

DP = DpParams(noise_multiplier=1.0, sample_rate=0.01, steps=30, max_grad_norm=1.0, delta=1e-5, accountant="rdp",
              privacy_unit="record", poisson=True, population=400, expected_batch_size=4.0, target_epsilon=2.0)


def _audit(run_id: str, lower: float, accountant: float | None) -> RunAudit:
    return RunAudit(run_id=run_id, epsilon_lower=lower, confidence=0.95, canaries=100, members=50, guesses=40,
                    correct=33, auc=0.71, exposure_mean=2.5, exposure_max=5.6, accountant_epsilon=accountant,
                    delta=1e-5, method="test", created_at="2026-01-01T00:00:00+00:00")


def test_audits_are_sealed_reported_and_a_bound_over_epsilon_is_flagged(tmp_path: Path) -> None:
    from core.audit import Auditor

    ledger = sealed_ledger(tmp_path)
    ledger.record_dataset("notes", fingerprint="a" * 64, records=10, patients=10, deid={"strategy": "redact"})
    for run_id in ("ok-run", "bad-run"):
        ledger.reserve(run_id, dataset="notes", fingerprint="a" * 64, model="tt", dp=DP, planned_epsilon=None)
        ledger.settle(run_id, steps_done=30, epsilon=1.5, outcome="finished")
    ledger.record_audit(_audit("ok-run", 0.4, 1.5))
    ledger.record_audit(_audit("bad-run", 2.1, 1.5))
    Auditor(tmp_path)  # the seal still checks (it raises when the rows do not match)
    assert set(ledger.audits()) == {"ok-run", "bad-run"} and ledger.audits()["bad-run"].defect
    assert not ledger.audits()["ok-run"].defect
    report = compliance_report(tmp_path, MedsumConfig.model_validate({}))
    (notes,) = report["datasets"]
    by_id = {r["run_id"]: r for r in notes["runs"]}
    assert by_id["ok-run"]["empirical_audit"]["epsilon_lower"] == 0.4
    assert [f for f in notes["flags"] if "DEFECT" in f] == [
        "run bad-run: DEFECT: the audited epsilon lower bound 2.10 is above the accountant's epsilon 1.50 "
        "(a defect in the DP mechanism or its accounting)"]
    text = render_markdown(report)
    assert "- ok-run: empirical epsilon lower bound 0.4 at 95% confidence (accountant's epsilon 1.50)" in text
    assert "**DEFECT: the lower bound is above the accountant's epsilon**" in text
    assert AUDIT_READING in text


def test_an_audit_of_a_run_not_in_the_ledger_is_refused(tmp_path: Path) -> None:
    from privacy.ledger import LedgerError

    with pytest.raises(LedgerError, match="run ghost is not in the privacy ledger"):
        sealed_ledger(tmp_path).record_audit(_audit("ghost", 0.1, None))


def test_canaries_are_owner_only_random_and_half_members(tmp_path: Path) -> None:
    canaries = make_canaries(400, digits=8)
    assert len({c.secret for c in canaries}) == 400 and len({c.ref for c in canaries}) == 400
    assert 140 < sum(c.member for c in canaries) < 260
    write_canaries(tmp_path, canaries, digits=8)
    assert stat.S_IMODE((tmp_path / "canaries.json").stat().st_mode) == 0o600
    assert read_canaries(tmp_path) == (canaries, 8)
    one = canaries[0]
    assert one.secret not in canary_source(one) and one.secret in canary_target(one)
    assert canary_target(one, "1234-5678") == "Door code 1234-5678."
    with pytest.raises(TrainError, match="at least 2"):
        make_canaries(1)
    (tmp_path / "canaries.json").write_text("{}")
    with pytest.raises(TrainError, match="unreadable canaries file"):
        read_canaries(tmp_path)
