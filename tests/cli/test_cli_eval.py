"""``medsum eval RUN``: the report in both formats, the baselines, the PHI scan, and the headline
figures registered on the run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.train.config import TrainConfig
from core.train.run import run_dir, start_run
from core.train.runs import RunsTable, RunStatus
from tests.cli.conftest import tiny_model_workspace


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A workspace with a redacted dataset, a tiny BART and a finished 3-step run on it."""
    root = tmp_path_factory.mktemp("eval-ws") / "ws"
    with tiny_model_workspace(root, records=60, seed=17, arch="bart", model="tb", tokenizer_targets=True) as opened:
        info = start_run(opened.root, TrainConfig(dataset="notes", model="tb", full=True, max_steps=3, batch_size=4,
                                                  max_source_len=64, max_target_len=32))
    return str(root), info.run_id


def test_eval_writes_the_report_and_registers_the_headline(medsum, trained: tuple[str, str]) -> None:
    ws, run_id = trained
    result = medsum("eval", run_id, "--workspace", ws, "--limit", "5", "--num-beams", "1", "--max-new-tokens", "12")
    assert result.code == 0, result.err
    for name in ("model", "structured baseline", "lead-3", "base model"):
        assert name in result.out
    json_path = run_dir(Path(ws), run_id) / "eval" / "report-test.json"
    report = json.loads(json_path.read_text())
    assert set(report["systems"]) == {"model", "structured baseline", "lead-3", "base model"}
    assert report["headline"]["records"] == 5 and 0 <= report["headline"]["rougeL"] <= 1
    assert report["generation"]["max_new_tokens"] == 12 and report["generation"]["provenance"]["run_id"] == run_id
    assert {"findings", "new", "by_category"} <= set(report["phi_scan"])
    assert len(report["examples"]) == 3 and "fidelity" in report["examples"][0]
    markdown = json_path.with_suffix(".md").read_text()
    assert "## ROUGE and clinical fidelity" in markdown and "## PHI scan" in markdown
    headline = RunsTable(Path(ws)).get(run_id).eval
    assert headline is not None and headline["rougeL"] == report["headline"]["rougeL"]
    listing = medsum("runs", "--workspace", ws)
    assert f"{headline['rougeL']:.3f}" in listing.out
    ops = [json.loads(line)["op"] for line in (Path(ws) / "audit" / "audit.jsonl").read_text().splitlines()]
    assert "eval" in ops


def test_eval_refuses_unknown_and_unfinished_runs(medsum, trained: tuple[str, str]) -> None:
    ws, _ = trained
    unknown = medsum("eval", "no-such-run", "--workspace", ws)
    assert unknown.code != 0 and "no run 'no-such-run'" in unknown.err
    RunsTable(Path(ws)).create("queued-run", "notes", "tb")
    queued = medsum("eval", "queued-run", "--workspace", ws)
    assert queued.code != 0 and "not finished" in queued.err
    assert RunsTable(Path(ws)).get("queued-run").status == RunStatus.QUEUED


def test_an_unknown_split_is_named(medsum, trained: tuple[str, str]) -> None:
    ws, run_id = trained
    result = medsum("eval", run_id, "--workspace", ws, "--split", "holdout", "--no-base")
    assert result.code != 0 and "holdout" in result.err


def test_decoding_comes_from_the_config_and_options_override_it(medsum, trained: tuple[str, str]) -> None:
    ws, run_id = trained
    config = Path(ws) / "config.toml"
    before = config.read_text()
    try:
        config.write_text(before + "\n[generation]\nnum_beams = 1\nmax_new_tokens = 8\nno_repeat_ngram_size = 0\n")
        result = medsum("eval", run_id, "--workspace", ws, "--limit", "3", "--no-base")
        assert result.code == 0, result.err
        report = json.loads((run_dir(Path(ws), run_id) / "eval" / "report-test.json").read_text())
        settings = report["generation"]
        assert (settings["num_beams"], settings["max_new_tokens"], settings["no_repeat_ngram_size"]) == (1, 8, 0)
        result = medsum("eval", run_id, "--workspace", ws, "--limit", "3", "--no-base", "--no-repeat-ngram", "2")
        assert result.code == 0, result.err
        report = json.loads((run_dir(Path(ws), run_id) / "eval" / "report-test.json").read_text())
        assert report["generation"]["no_repeat_ngram_size"] == 2 and report["generation"]["num_beams"] == 1
    finally:
        config.write_text(before)
