"""The ledger's side of issue 20: the budget check inside the reservation's transaction
(``admit``), a resumed run checked without its own reservation, and runs that spent nothing."""

from __future__ import annotations

import multiprocessing
from dataclasses import replace
from pathlib import Path

import pytest

from privacy.accounting import epsilon_for
from privacy.ledger import DpParams, Ledger, Spend

DP = DpParams(noise_multiplier=1.0, sample_rate=0.01, steps=60, max_grad_norm=1.0, delta=1e-5, accountant="prv",
              privacy_unit="record", poisson=True, population=1000, expected_batch_size=10.0, target_epsilon=None)
ONE = epsilon_for([(1.0, 0.01, 60)], 1e-5)


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger(tmp_path / "privacy" / "ledger.sqlite")


def _limit(max_epsilon: float, override: str | None = None):
    def admit(before: Spend, after: Spend, dp: DpParams | None) -> str | None:
        if not after.unbounded and after.composed_epsilon <= max_epsilon:
            return None
        if override:
            return override
        raise PermissionError(f"over {max_epsilon}")
    return admit


def _racer(path: str, run_id: str, max_epsilon: float, barrier, results) -> None:
    ledger = Ledger(Path(path))
    barrier.wait()
    try:
        ledger.reserve(run_id, dataset="notes", fingerprint="f", model="m", dp=DP, planned_epsilon=None,
                       admit=_limit(max_epsilon))
        results.put(True)
    except PermissionError:
        results.put(False)


def test_reservations_racing_under_admit_never_pass_the_limit(ledger: Ledger) -> None:
    two = epsilon_for([(1.0, 0.01, 60)] * 2, 1e-5)
    limit = (two + epsilon_for([(1.0, 0.01, 60)] * 3, 1e-5)) / 2  # two runs fit, three do not
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(5), context.Queue()
    procs = [context.Process(target=_racer, args=(str(ledger.path), f"r{i}", limit, barrier, results))
             for i in range(5)]
    for proc in procs:
        proc.start()
    allowed = [results.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(60)
    assert allowed.count(True) == 2
    assert ledger.spend("notes").composed_epsilon <= limit


def test_admit_sees_the_spend_and_records_the_override(ledger: Ledger) -> None:
    seen: list[tuple[Spend, Spend]] = []

    def admit(before: Spend, after: Spend, dp: DpParams | None) -> str | None:
        seen.append((before, after))
        return None

    assert ledger.reserve("a", dataset="notes", fingerprint="f", model="m", dp=DP, planned_epsilon=None,
                          admit=admit) is None
    assert seen[0][0].composed_epsilon == 0 and seen[0][1].composed_epsilon == pytest.approx(ONE)
    with pytest.raises(PermissionError):
        ledger.reserve("b", dataset="notes", fingerprint="f", model="m", dp=DP, planned_epsilon=None,
                       admit=_limit(ONE))
    assert [r.run_id for r in ledger.runs()] == ["a"]  # the refused one was rolled back
    assert ledger.reserve("b", dataset="notes", fingerprint="f", model="m", dp=DP, planned_epsilon=None,
                          admit=_limit(ONE, "IRB 7")) == "IRB 7"
    assert ledger.get_run("b").override_reason == "IRB 7"


def test_reopen_checks_the_run_without_its_own_reservation(ledger: Ledger) -> None:
    ledger.reserve("a", dataset="notes", fingerprint="f", model="m", dp=DP, planned_epsilon=None)
    ledger.settle("a", steps_done=30, epsilon=None, outcome="killed")
    seen: list[Spend] = []

    def admit(before: Spend, after: Spend, dp: DpParams | None) -> str | None:
        seen.append(after)
        return None

    ledger.reopen("a", steps_planned=60, admit=admit)
    assert seen[0].composed_epsilon == pytest.approx(ONE)  # counted once, at its 60 steps
    assert ledger.spend("notes", exclude="a").composed_epsilon == 0
    ledger.settle("a", steps_done=40, epsilon=None, outcome="killed")
    with pytest.raises(PermissionError):
        ledger.reopen("a", steps_planned=60, admit=_limit(ONE * 0.9))
    row = ledger.get_run("a")
    assert row.status == "settled" and row.steps_done == 40  # refused: unchanged
    assert ledger.reopen("a", steps_planned=60, admit=_limit(ONE * 0.9, "IRB 8")) == "IRB 8"
    assert ledger.get_run("a").override_reason == "resume: IRB 8"


def test_a_run_settled_without_a_step_spends_nothing(ledger: Ledger) -> None:
    ledger.reserve("np", dataset="notes", fingerprint="f", model="m", dp=None, planned_epsilon=None)
    assert ledger.spend("notes").unbounded  # reserved: counted until it settles
    ledger.settle("np", steps_done=0, epsilon=None, outcome="failed")
    spend = ledger.spend("notes")
    assert not spend.unbounded and spend.nonprivate_runs == 0
    ledger.reserve("p", dataset="notes", fingerprint="f", model="m", dp=DP, planned_epsilon=None)
    ledger.settle("p", steps_done=0, epsilon=0.0, outcome="failed")
    assert ledger.spend("notes").composed_epsilon == 0


def test_a_non_private_run_that_recorded_a_step_stays_unbounded(ledger: Ledger) -> None:
    # A non-private run records one step when training begins; settling it later with 0 steps
    # (a resumed process that failed early) cannot bring the step count, or the spend, back.
    ledger.reserve("np", dataset="notes", fingerprint="f", model="m", dp=None, planned_epsilon=None)
    ledger.update_steps("np", 1)
    ledger.settle("np", steps_done=0, epsilon=None, outcome="failed")
    assert ledger.get_run("np").steps_done == 1 and ledger.spend("notes").unbounded
    assert replace(ledger.get_run("np")).override_reason is None
