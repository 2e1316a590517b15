"""``medsum train --dp`` end to end: the pre-flight, the budget gate, the ledger's reservation and
settlement, the audit trail, and a ``kill -9`` that leaves the reservation counted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.ledger import open_ledger
from privacy.accounting import epsilon_for
from tests.cli.conftest import tiny_model_workspace, train_then_kill

SHORT = ("--max-source-len", "64", "--max-target-len", "32", "--batch-size", "4")


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A workspace with a redacted dataset ``notes`` (patients with several records) and a tiny T5 ``tt``."""
    root = tmp_path_factory.mktemp("dp-ws") / "ws"
    with tiny_model_workspace(root, records=120, seed=41, datasets=("notes", "capped")):
        pass
    return str(root)


def _run_id(out: str) -> str:
    line = next(line for line in out.splitlines() if line.startswith("Run directory: "))
    return Path(line.removeprefix("Run directory: ")).name


def _set_policy(ws: str, text: str) -> None:
    config = Path(ws) / "config.toml"
    base = config.read_text().split("# -- test policy --")[0]
    config.write_text(base + "# -- test policy --\n" + text)


def _audit_ops(ws: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in (Path(ws) / "audit" / "audit.jsonl").read_text().splitlines()]


def test_a_dp_run_at_epsilon_3_records_at_most_3_in_the_ledger(medsum, ws: str) -> None:
    result = medsum("train", "--workspace", ws, "--dataset", "notes", "--model", "tt", "--dp",
                    "--target-epsilon", "3", "--epochs", "2", *SHORT)
    assert result.code == 0, result.err
    assert "DP plan: epsilon" in result.out and "per record, not per patient" in result.out
    run_id = _run_id(result.out)
    row = open_ledger(Path(ws)).get_run(run_id)
    assert row.status == "settled" and row.outcome == "finished"
    assert row.dp is not None and row.dp.poisson and row.dp.privacy_unit == "record"
    assert row.epsilon is not None and row.epsilon <= 3.0
    assert row.steps_done == row.dp.steps
    assert row.dp.delta < 1 / row.dp.population
    # Recomputed independently from the stored parameters with Opacus's own accountant.
    from opacus.accountants import PRVAccountant

    accountant = PRVAccountant()
    accountant.history = [(row.dp.noise_multiplier, row.dp.sample_rate, row.steps_done)]
    assert abs(accountant.get_epsilon(delta=row.dp.delta) - row.epsilon) < 1e-6
    run = Path(ws) / "runs" / run_id
    config = json.loads((run / "config.json").read_text())
    assert config["preflight"]["dp"]["planned_epsilon"] <= 3.0
    assert (run / "adapter" / "adapter_config.json").exists()
    steps = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
    assert [e for e in steps if e["event"] == "step"][-1]["epsilon"] <= 3.0
    ops = [e["op"] for e in _audit_ops(ws) if e["fields"].get("run_id") == run_id]
    assert ops == ["train.start", "train.end"]


def test_two_runs_compose_below_their_naive_sum(medsum, ws: str) -> None:
    for unit in ("record", "patient"):
        result = medsum("train", "--workspace", ws, "--dataset", "capped", "--model", "tt", "--dp",
                        "--noise-multiplier", "1.0", "--max-steps", "4", "--privacy-unit", unit, *SHORT)
        assert result.code == 0, result.err
    ledger = open_ledger(Path(ws))
    runs = ledger.runs("capped")
    assert len(runs) == 2 and {r.dp.privacy_unit for r in runs if r.dp} == {"record", "patient"}
    spend = ledger.spend("capped")
    assert not spend.unbounded
    assert spend.composed_epsilon <= spend.naive_epsilon
    assert spend.naive_epsilon == pytest.approx(sum(r.epsilon for r in runs if r.epsilon is not None))
    assert spend.composed_epsilon == pytest.approx(
        epsilon_for([(r.dp.noise_multiplier, r.dp.sample_rate, r.steps_done) for r in runs if r.dp],
                    spend.delta), rel=1e-6)


def test_an_over_budget_run_is_refused_before_any_step_unless_overridden(medsum, ws: str) -> None:
    _set_policy(ws, "[budget]\nmax_epsilon = 0.5\n")
    try:
        runs_before = set((Path(ws) / "runs").iterdir())
        ledger_before = len(open_ledger(Path(ws)).runs())
        refused = medsum("train", "--workspace", ws, "--dataset", "notes", "--model", "tt", "--dp",
                         "--target-epsilon", "3", "--max-steps", "2", *SHORT)
        assert refused.code == 1
        assert "refused before training" in refused.err and "notes" in refused.err and "--override-budget" in refused.err
        assert set((Path(ws) / "runs").iterdir()) == runs_before
        assert len(open_ledger(Path(ws)).runs()) == ledger_before
        nonprivate = medsum("train", "--workspace", ws, "--dataset", "notes", "--model", "tt", "--max-steps", "1", *SHORT)
        assert nonprivate.code == 1 and "unbounded" in nonprivate.err

        plan = medsum("train", "--workspace", ws, "--dataset", "notes", "--model", "tt", "--dp",
                      "--target-epsilon", "3", "--max-steps", "2", "--plan", *SHORT)
        assert plan.code == 1 and "REFUSED" in plan.out and "DP plan" in plan.out  # a refused plan fails
        assert plan.err.count("medsum: error:") == 1 and "the plan is refused" in plan.err
        assert "To run it:" in plan.out and '--override-budget "REASON"' in plan.out  # the refusal names its fixes
        assert "training targets" in plan.out and "target length 32" in plan.out
        assert "To run it:" in refused.out  # the refused run printed the same fixes before its error
        assert set((Path(ws) / "runs").iterdir()) == runs_before

        forced = medsum("train", "--workspace", ws, "--dataset", "notes", "--model", "tt", "--dp",
                        "--target-epsilon", "3", "--max-steps", "2", "--override-budget", "IRB approval 2026-117",
                        *SHORT)
        assert forced.code == 0, forced.err
        run_id = _run_id(forced.out)
        assert open_ledger(Path(ws)).get_run(run_id).override_reason == "IRB approval 2026-117"
        override = [e for e in _audit_ops(ws) if e["op"] == "budget.override"][-1]
        assert override["fields"]["run_id"] == run_id and override["fields"]["reason"] == "IRB approval 2026-117"
    finally:
        _set_policy(ws, "")


@pytest.mark.parametrize(("args", "message"), [
    (("--dp",), "exactly one of --target-epsilon and --noise-multiplier"),
    (("--target-epsilon", "3"), "need --dp"),
    (("--dp", "--noise-multiplier", "1", "--delta", "0.5"), "below 1/N"),
    (("--dp", "--noise-multiplier", "1", "--privacy-unit", "family"), "--privacy-unit"),
    (("--dp", "--noise-multiplier", "1", "--accountant", "gdp"), "--accountant"),
    (("--dp", "--noise-multiplier", "0.01"), "--noise-multiplier"),
])
def test_bad_dp_settings_fail_in_one_line(medsum, ws: str, args: tuple[str, ...], message: str) -> None:
    result = medsum("train", "--workspace", ws, "--dataset", "notes", "--model", "tt", "--max-steps", "1", *args, *SHORT)
    assert result.code != 0
    lines = [line for line in result.err.splitlines() if line.startswith("medsum: error:")]
    assert len(lines) == 1 and message in lines[0], result.err


@pytest.mark.slow
def test_kill_9_during_a_dp_run_leaves_its_reservation_counted(medsum, ws: str, tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    run_id = train_then_kill(ws, ["--dataset", "notes", "--model", "tt", "--dp", "--noise-multiplier", "1.0",
                                  "--max-steps", "150", "--checkpoint-every", "4", *SHORT], events, after_steps=5)
    ledger = open_ledger(Path(ws))
    row = ledger.get_run(run_id)
    assert row.status == "reserved" and row.steps_planned == 150
    assert ledger.spend("notes").reserved_runs >= 1
    planned = epsilon_for([(1.0, row.dp.sample_rate, 150)], row.dp.delta)
    assert ledger.spend("notes").composed_epsilon >= planned - 1e-9  # counted at its planned 150 steps

    settled = medsum("budget", "reconcile", "--workspace", ws)
    assert settled.code == 0, settled.err
    row = ledger.get_run(run_id)
    last = max(e["step"] for e in map(json.loads, events.read_text().splitlines()) if e["event"] == "step")
    assert row.status == "settled" and row.steps_done >= last
    assert row.epsilon == pytest.approx(epsilon_for([(1.0, row.dp.sample_rate, row.steps_done)], row.dp.delta))

    # Resuming redoes the steps after the checkpoint: they are spent again, never given back.
    spent_before = row.steps_done
    from core.train.checkpoint import checkpointed_step

    resumed_from = checkpointed_step(Path(ws) / "runs" / run_id)
    resumed = medsum("train", "--workspace", ws, "--resume", run_id)
    assert resumed.code == 0, resumed.err
    row = ledger.get_run(run_id)
    assert row.status == "settled" and row.outcome == "finished"
    assert row.steps_done == spent_before + 150 - resumed_from
    assert row.epsilon == pytest.approx(epsilon_for([(1.0, row.dp.sample_rate, row.steps_done)], row.dp.delta))
