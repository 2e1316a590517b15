"""``medsum synth`` and ``medsum demo`` through the CLI."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from core.demo import DEMO_INPUT_FIELDS


def test_synth_writes_n_records_and_gold(medsum, tmp_path: Path) -> None:
    out, gold = tmp_path / "r.jsonl", tmp_path / "g.jsonl"
    result = medsum("synth", "--n", "120", "--seed", "1", "--out", str(out), "--gold", str(gold))
    assert result.code == 0, result.err
    records = [json.loads(line) for line in out.read_text().splitlines()]
    spans = [json.loads(line) for line in gold.read_text().splitlines()]
    assert len(records) == 120
    assert {s["record_id"] for s in spans} == {r["id"] for r in records}
    assert set(spans[0]) == {"record_id", "path", "start", "end", "category", "text"}
    assert "Wrote 120 records" in result.out


def test_synth_same_seed_same_bytes(medsum, tmp_path: Path) -> None:
    for name in ("a", "b"):
        medsum("synth", "--n", "30", "--seed", "7", "--out", str(tmp_path / f"{name}.jsonl"))
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_synth_into_missing_directory_is_one_line_error(medsum, tmp_path: Path) -> None:
    result = medsum("synth", "--n", "5", "--out", str(tmp_path / "nope" / "r.jsonl"))
    assert result.code == 1
    assert result.err.count("\n") == 1 and "does not exist" in result.err


def test_synth_rejects_zero(medsum, tmp_path: Path) -> None:
    assert medsum("synth", "--n", "0", "--out", str(tmp_path / "r.jsonl")).code == 2


@pytest.mark.slow
def test_demo_runs_every_stage(medsum, workspace_dir: Path) -> None:
    result = medsum("demo", "--workspace", str(workspace_dir), "--n", "60", "--max-steps", "3")
    assert result.code == 0, result.err
    assert "loaded 60 valid records" in result.out and "(0 problems)" in result.out
    assert "split by patient: train" in result.out
    assert "0 word(s) left that no allow-list knows" in result.out and "patient-name tokens missed 0" in result.out
    demo = workspace_dir / "demo"
    assert stat.S_IMODE(workspace_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(demo.stat().st_mode) == 0o700
    assert len((demo / "synthetic.jsonl").read_text().splitlines()) == 60
    assert (demo / "synthetic.gold.jsonl").stat().st_size > 0
    raw = (demo / "synthetic.jsonl").read_text()
    patient_name = raw.split('"patient_name": "', 1)[1].split('"', 1)[0]
    assert patient_name not in (demo / "deidentified.jsonl").read_text()
    assert "trains every weight (--full)" in result.out
    assert "dataset demo-n60-s0 (imported), model demo-tiny-t5 (built)" in result.out
    assert ": finished, 3 steps" in result.out
    entry = json.loads((workspace_dir / "datasets" / "demo-n60-s0" / "dataset.json").read_text())
    assert entry["input_fields"] == list(DEMO_INPUT_FIELDS)  # the clinical fields, not insurer or notes
    assert (workspace_dir / "models" / "demo-tiny-t5" / "manifest.json").exists()
    # Running it again reuses the workspace, the dataset and the model, and rewrites the same corpus.
    before = (demo / "synthetic.jsonl").read_bytes()
    again = medsum("demo", "--workspace", str(workspace_dir), "--n", "60", "--max-steps", "3")
    assert again.code == 0, again.err
    assert "(reused), model demo-tiny-t5 (reused)" in again.out
    assert (demo / "synthetic.jsonl").read_bytes() == before
    assert len(list((workspace_dir / "runs").glob("*-demo-tiny-t5-*"))) == 2


@pytest.mark.slow
def test_demo_quick_is_a_smaller_run_of_every_stage(medsum, workspace_dir: Path) -> None:
    """``--quick`` (here with fewer records and steps still) trains with validation capped, evaluates
    the first 4 test records and summarizes one; the full ``--quick`` run is in tests/packaging."""
    result = medsum("demo", "--workspace", str(workspace_dir), "--quick", "--n", "60", "--max-steps", "3")
    assert result.code == 0, result.err
    assert "Quick demo, a smoke run of every stage: 60 records, 3 training steps, 4 test records evaluated" in result.out
    assert ": finished, 3 steps" in result.out
    assert "6/7 evaluating on the first 4 records of the test split" in result.out
    assert "Summarizing 4 test records" in result.out and "7/7 summarized 1 raw test records" in result.out
    run = next((workspace_dir / "runs").glob("*-demo-tiny-t5-*"))
    config = json.loads((run / "config.json").read_text())["config"]
    assert (config["batch_size"], config["eval_batches"]) == (8, 1)
