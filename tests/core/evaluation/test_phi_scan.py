"""The PHI scan of generated summaries: new identifiers against ones carried from the input."""

from __future__ import annotations

from pathlib import Path

from core.config import MedsumConfig
from core.evaluation.phi_scan import scan_summaries
from core.evaluation.report import render_eval_markdown
from core.report import render_markdown
from core.report_deid import workspace_deid


def test_a_clean_summary_has_no_findings() -> None:
    result = scan_summaries(["r1"], ["Patient with [NAME] seen for chest pain."], ["Chest pain, no acute findings."])
    assert result["findings"] == 0 and result["new"] == 0 and result["summaries_with_new"] == 0


def test_an_identifier_the_model_made_up_is_new_and_one_from_the_input_is_carried() -> None:
    sources = ["Seen by Dr. Alvarez on 03/14/2023 for cough.", "Follow-up for cough."]
    summaries = ["Dr. Alvarez saw the patient on 03/14/2023.", "Call 555-201-3344 or email jane.roe@example.org."]
    result = scan_summaries(["a", "b"], sources, summaries)
    carried = [p for p in result["places"] if p["carried_from_input"]]
    assert carried and all(p["id"] == "a" for p in carried)
    assert result["new"] >= 2 and result["summaries_with_new"] == 1
    assert set(result["new_by_category"]) >= {"PHONE", "EMAIL"}
    text = repr(result)
    assert "Alvarez" not in text and "555-201-3344" not in text  # positions and categories only


def test_the_eval_report_lists_new_identifiers_by_record_and_category_without_values() -> None:
    sources = ["Seen by Dr. Alvarez on 03/14/2023 for cough.", "Follow-up for cough.", "Knee pain."]
    summaries = ["Dr. Alvarez saw the patient on 03/14/2023.", "Call 555-201-3344 or email jane.roe@example.org.",
                 "Knee pain, improving."]
    phi = scan_summaries(["r-a", "r-b", "r-c"], sources, summaries)
    assert {(f["id"], f["category"]) for f in phi["new_findings"]} >= {("r-b", "PHONE"), ("r-b", "EMAIL")}
    assert all(set(f) == {"id", "category", "start", "end"} for f in phi["new_findings"])
    report = {
        "run_id": "run-1", "dataset": "notes", "model": "tiny", "method": "full", "dp": False,
        "headline": {"split": "test", "records": 3, "evaluated_at": "2026-12-07T00:00:00+00:00", "rougeL": 0.3,
                     "beats_baselines": True, "best_baseline": "lead-3", "best_baseline_rougeL": 0.2},
        "generation": {"num_beams": 1, "provenance": "local"},
        "systems": {"model": {"rouge": {"rouge1": 0.3, "rouge2": 0.1, "rougeL": 0.3, "rougeLsum": 0.3},
                              "fidelity": {"precision": 1.0, "recall": 1.0}}},
        "phi_scan": phi, "examples": [],
    }
    text = render_eval_markdown(report)
    section = text.split("### New identifiers by record")[1].split("## Generation")[0]
    assert "| r-b |" in section and "EMAIL 1" in section and "PHONE 1" in section
    assert "r-a" not in section and "r-c" not in section  # carried or clean: not listed
    assert "memorised" in section and "- PHONE: a phone number the input does not hold" in section
    assert "555-201-3344" not in text and "jane.roe" not in text


def test_the_compliance_report_explains_the_phi_scan_count(tmp_path: Path) -> None:
    evaluation = {"split": "test", "rougeL": 0.3, "phi_new": 2, "phi_new_by_category": {"PHONE": 1, "EMAIL": 1},
                  "phi_new_records": ["r-b"]}
    run = {"run_id": "run-1", "statement": "Trained without differential privacy.", "evaluation": evaluation}
    data = {"name": "notes", "fingerprint": None, "records": 3, "patients": 3, "deid": None, "flags": [],
            "overrides": [], "runs": [run], "policy": {"max_epsilon": None, "max_delta": None, "source": None},
            "spend": {"within_policy": None, "accountant": None, "private_composed_epsilon": None, "unit": None,
                      "delta": None, "unbounded": True, "private_runs": 0, "naive_epsilon": None,
                      "naive_delta": None, "nonprivate_runs": 1, "reserved_runs": 0}}
    report = {"format": "x", "generated_at": "now", "audit": {"ok": True, "entries": 0},
              "deidentification": workspace_deid(tmp_path, MedsumConfig()),
              "datasets": [data], "not_covered": [], "library_versions": {}}
    text = render_markdown(report)
    assert ("new identifiers found by the PHI scan: 2 (EMAIL 1, PHONE 1) in 1 summaries: the model wrote "
            "identifier-like strings its de-identified input does not hold") in text
    assert "runs/run-1/eval/report-test.md" in text
