"""``evaluate_run``'s progress (each generation pass, batch by batch, with an ETA) and its
cancel: a cancelled evaluation writes nothing, so the previous report and headline stay."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.config import load_config
from core.evaluation.run_eval import EvalCancelled, EvalOptions, EvalProgress, evaluate_run, report_paths
from core.train.config import TrainConfig
from core.train.run import run_dir, start_run
from core.train.runs import RunsTable
from tests.cli.conftest import tiny_model_workspace

OPTIONS = EvalOptions(num_beams=1, max_new_tokens=6, batch_size=2, limit=3, examples=1)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A workspace with a finished two-step run of a tiny T5."""
    root = tmp_path_factory.mktemp("evalprog-ws") / "ws"
    with tiny_model_workspace(root, records=40, seed=11) as opened:
        info = start_run(opened.root, TrainConfig(dataset="notes", model="tt", full=True, max_steps=2, batch_size=4,
                                                  max_source_len=64, max_target_len=16, device="cpu"))
        return Path(opened.root), info.run_id


def test_progress_reports_each_pass_batch_by_batch(trained: tuple[Path, str]) -> None:
    root, run_id = trained
    seen: list[EvalProgress] = []
    evaluate_run(root, run_id, OPTIONS, config=load_config(None).config, on_progress=seen.append)
    for stage in ("model", "base model"):
        counts = [(p.done, p.total) for p in seen if p.stage == stage]
        assert counts == [(0, 3), (2, 3), (3, 3)]
    assert [p.stage for p in seen][-2:] == ["scoring", "writing"]
    first, last = next(p for p in seen if p.stage == "model"), [p for p in seen if p.stage == "model"][-1]
    assert first.eta_s is None and last.eta_s == 0.0
    assert json.loads(json.dumps(last.to_json()))["stage"] == "model"


def test_eta_is_the_rate_so_far_times_what_is_left() -> None:
    assert EvalProgress("model", 48, 201, 24.0).eta_s == pytest.approx(0.5 * 153)
    assert EvalProgress("model", 0, 201, 3.0).eta_s is None


@pytest.mark.parametrize("stop_at", ["model", "base model", "writing"])
def test_a_cancelled_evaluation_writes_nothing(trained: tuple[Path, str], stop_at: str) -> None:
    root, run_id = trained
    config = load_config(None).config
    evaluate_run(root, run_id, OPTIONS, config=config)  # a report to keep
    json_path, md_path = report_paths(run_dir(root, run_id), "test")
    before = (json_path.read_bytes(), md_path.read_bytes(), RunsTable(root).get(run_id).eval)
    asked = {"now": False}

    def progress(step: EvalProgress) -> None:
        if step.stage == stop_at and step.done >= (1 if step.stage != "writing" else 0):
            asked["now"] = True

    with pytest.raises(EvalCancelled, match="nothing was written"):
        evaluate_run(root, run_id, OPTIONS, config=config, on_progress=progress, cancelled=lambda: asked["now"])
    assert (json_path.read_bytes(), md_path.read_bytes(), RunsTable(root).get(run_id).eval) == before
    assert not [p for p in json_path.parent.iterdir() if p.name.endswith(".tmp")]
