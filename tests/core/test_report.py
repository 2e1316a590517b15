"""The compliance report's flags for patient-level and non-Poisson runs."""

from __future__ import annotations

from pathlib import Path

from core.config import MedsumConfig
from core.ledger import open_ledger
from core.report import compliance_report, render_markdown
from privacy.ledger import DpParams
from tests.ledgers import sealed_ledger

DP = DpParams(noise_multiplier=1.0, sample_rate=0.01, steps=30, max_grad_norm=0.5, delta=1e-5, accountant="rdp",
              privacy_unit="patient", poisson=False, population=400, expected_batch_size=4.0, target_epsilon=2.0)


def test_patient_unit_and_missing_poisson_are_reported(tmp_path: Path) -> None:
    ledger = sealed_ledger(tmp_path)
    ledger.record_dataset("notes", fingerprint="a" * 64, records=10, patients=4, deid={"strategy": "surrogate"})
    ledger.reserve("r1", dataset="notes", fingerprint="b" * 64, model="tt", dp=DP, planned_epsilon=None)
    report = compliance_report(tmp_path, MedsumConfig.model_validate({"budget": {"max_epsilon": 100.0}}))
    (notes,) = report["datasets"]
    assert notes["spend"]["accountant"] == "rdp" and notes["spend"]["within_policy"] is True
    assert notes["flags"] == [
        "run r1: Poisson sampling was not used; its epsilon assumes it",
        "run r1: still reserved (running, or ended without settling: medsum budget reconcile); counted with 30 steps",
        f"run r1: trained on another version of dataset notes (fingerprint {'b' * 12})",
    ]
    (run,) = notes["runs"]
    assert run["adjacency"] == "add/remove one patient's records" and run["target_epsilon"] == 2.0
    text = render_markdown(report)
    assert "per patient (add/remove one patient's records adjacency), N = 400 patients" in text
    assert "NOT Poisson sampling" in text and "clipping norm 0.5" in text and "RDP accountant" in text
