"""Issue 20, "Privacy budget: overspend is possible": runs racing for the last of a budget, a
resumed run under a lowered policy, and a run that failed before its first step."""

from __future__ import annotations

import json
import multiprocessing
import shutil
from pathlib import Path
from typing import Any

import pytest

from core.ledger import open_ledger
from tests.cli.conftest import tiny_model_workspace

SHORT = ("--max-source-len", "64", "--max-target-len", "32", "--batch-size", "4")


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A workspace with one dataset per test (so their spends do not mix) and a tiny T5 ``tt``."""
    root = tmp_path_factory.mktemp("overspend-ws") / "ws"
    with tiny_model_workspace(root, records=80, seed=43, datasets=("notes", "race", "resumed", "dead")):
        pass
    return str(root)


def _set_policy(ws: str, text: str) -> None:
    config = Path(ws) / "config.toml"
    base = config.read_text().split("# -- test policy --")[0]
    config.write_text(base + "# -- test policy --\n" + text)


def _audit_ops(ws: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (Path(ws) / "audit" / "audit.jsonl").read_text().splitlines()]


# --- 1. two runs at once -------------------------------------------------------------------

def _racer(root: str, run_id: str, config: Any, pre: Any, barrier: Any, results: Any) -> None:
    from core.train.config import TrainError
    from core.train.spend import reserve

    barrier.wait()  # every racer passed the same pre-flight; now all reserve at once
    try:
        reserve(Path(root), run_id, config, pre, None)
        results.put((run_id, "allowed"))
    except TrainError as exc:
        results.put((run_id, f"refused {exc.exit_code}"))
    except Exception as exc:  # noqa: BLE001 - reported to the test
        results.put((run_id, f"error {type(exc).__name__}: {exc}"))


def test_runs_racing_for_the_last_of_a_budget_cannot_overspend_it(ws: str) -> None:
    from core.train.config import TrainConfig
    from core.train.spend import preflight

    _set_policy(ws, "[budget]\nmax_epsilon = 3.5\n")
    try:
        config = TrainConfig(dataset="race", model="tt", dp=True, target_epsilon=2.99, max_steps=20,
                             max_source_len=64, max_target_len=32, batch_size=4)
        pre = preflight(Path(ws), config, suggest=False)
        assert pre.allowed and pre.plan is not None and pre.plan.planned_epsilon <= 2.99
        context = multiprocessing.get_context("fork")  # the racers share this test's in-memory keyring
        barrier, results = context.Barrier(4), context.Queue()
        racers = [context.Process(target=_racer, args=(ws, f"race-{i}", config, pre, barrier, results))
                  for i in range(4)]
        for racer in racers:
            racer.start()
        outcomes = dict(results.get(timeout=120) for _ in racers)
        for racer in racers:
            racer.join(timeout=60)
        allowed = sorted(run for run, outcome in outcomes.items() if outcome == "allowed")
        spend = open_ledger(Path(ws)).spend("race")
        print(f"race: {len(allowed)} of 4 allowed; composed epsilon {spend.composed_epsilon:.3f} vs policy 3.5")
        # One run at 2.99 fits under 3.5; two compose to about 3.7: exactly one may be allowed.
        assert len(allowed) == 1, outcomes
        assert sorted(outcomes.values()).count("refused 1") == 3, outcomes
        assert spend.composed_epsilon <= 3.5
        assert [r.run_id for r in open_ledger(Path(ws)).runs("race")] == allowed
        assert all(r.override_reason is None for r in open_ledger(Path(ws)).runs("race"))
    finally:
        _set_policy(ws, "")


# --- 2. --resume under a policy lowered after the kill -------------------------------------

def _interrupt_after(steps: int) -> Any:
    def on_event(event: dict[str, Any]) -> None:
        if event.get("event") == "step" and event.get("step", 0) >= steps:
            raise KeyboardInterrupt  # as Ctrl-C: the run ends "killed", resumable from its checkpoint
    return on_event


def test_resume_is_checked_against_the_policy_as_it_is_now(medsum, ws: str) -> None:
    from core.train.config import TrainConfig
    from core.train.run import resume_run, start_run

    root = Path(ws)
    config = TrainConfig(dataset="resumed", model="tt", dp=True, target_epsilon=3.1, max_steps=16, checkpoint_every=2,
                         max_source_len=64, max_target_len=32, batch_size=4)
    with pytest.raises(KeyboardInterrupt):
        start_run(root, config, on_event=_interrupt_after(4))
    ledger = open_ledger(root)
    run_id = ledger.runs("resumed")[0].run_id
    killed = ledger.get_run(run_id)
    assert killed.status == "settled" and killed.outcome == "killed" and 0 < killed.steps_done < 16

    _set_policy(ws, "[budget]\nmax_epsilon = 3.0\n")  # lowered after the kill: the whole run (3.1) no longer fits
    try:
        refused = medsum("train", "--workspace", ws, "--resume", run_id)
        assert refused.code == 1, refused.out + refused.err
        assert "refused before training" in refused.err and "resuming run" in refused.err
        assert "--override-budget" in refused.err
        assert ledger.get_run(run_id) == killed  # nothing reserved, nothing trained

        # With a reason it runs; the override is in the ledger and the audit log.
        with pytest.raises(KeyboardInterrupt):
            resume_run(root, run_id, on_event=_interrupt_after(8), override_budget="IRB amendment 7")
        row = ledger.get_run(run_id)
        assert row.override_reason == "resume: IRB amendment 7" and row.steps_done > killed.steps_done
        override = [e for e in _audit_ops(ws) if e["op"] == "budget.override"][-1]
        assert override["fields"]["run_id"] == run_id and override["fields"]["reason"] == "IRB amendment 7"
        assert override["fields"]["resumed"] is True

        # Under a policy the whole run fits, it resumes without an override: its own earlier
        # reservation is not counted twice.
        _set_policy(ws, "[budget]\nmax_epsilon = 3.5\n")
        resumed = medsum("train", "--workspace", ws, "--resume", run_id)
        assert resumed.code == 0, resumed.err
        row = ledger.get_run(run_id)
        assert row.outcome == "finished" and row.epsilon is not None and row.epsilon <= 3.5
        assert row.override_reason == "resume: IRB amendment 7"  # the earlier override stays on the record
    finally:
        _set_policy(ws, "")


# --- 3. a run that failed before its first step spends nothing ----------------------------

def test_a_run_that_fails_to_load_its_model_spends_nothing(medsum, ws: str, tmp_path: Path) -> None:
    from core.models import import_model

    root = Path(ws)
    source = tmp_path / "tt-copy"
    shutil.copytree(root / "models" / "tt", source, ignore=shutil.ignore_patterns("manifest.json"))
    import_model(root, source, "bad")
    with open(root / "models" / "bad" / "model.safetensors", "r+b") as handle:
        handle.seek(-2, 2)
        handle.write(b"\xff\xff")  # tampered: the manifest's hash no longer matches

    failed = medsum("train", "--workspace", ws, "--dataset", "dead", "--model", "bad", "--max-steps", "2", *SHORT)
    assert failed.code != 0
    ledger = open_ledger(root)
    [run] = ledger.runs("dead")
    assert run.dp is None and run.status == "settled" and run.outcome == "failed" and run.steps_done == 0
    spend = ledger.spend("dead")
    assert not spend.unbounded and spend.nonprivate_runs == 0  # 0 steps: nothing spent

    # So a DP run under an epsilon limit is not refused as "unbounded".
    _set_policy(ws, "[budget]\nmax_epsilon = 3.5\n")
    try:
        plan = medsum("train", "--workspace", ws, "--dataset", "dead", "--model", "tt", "--dp",
                      "--target-epsilon", "2", "--max-steps", "4", "--plan", *SHORT)
        assert plan.code == 0 and "REFUSED" not in plan.out and "unbounded" not in plan.out, plan.out
    finally:
        _set_policy(ws, "")

    # `medsum budget reconcile` leaves it alone: it is settled.
    assert medsum("budget", "reconcile", "--workspace", ws).code == 0
    assert not open_ledger(root).spend("dead").unbounded
