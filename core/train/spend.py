"""A run's privacy spend in the ledger: the pre-flight (plan and budget check), the reservation
before the first step, progress, and the settlement at the end.

Every run is in the ledger, private or not: a non-private run makes its dataset's spend
unbounded, so it must be on the record too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from core.ledger import open_ledger
from core.train.config import TrainConfig, TrainError
from core.train.dp_plan import DpPlan, plan_dp

__all__ = ["Preflight", "fitting_epsilon", "preflight", "refused_for", "reserve", "resume_preflight", "resume_spend",
           "settle"]


@dataclass(frozen=True)
class Preflight:
    """What a run would spend, and whether the dataset's budget policy allows it."""

    plan: DpPlan | None
    check: Any  # core.budget.BudgetCheck
    fitting_epsilon: float | None = None  # refused for epsilon: the largest target epsilon that fits
    fit_searched: bool = False  # whether that epsilon was searched for (None then means none fits)

    @property
    def allowed(self) -> bool:
        """True when the policy allows the run without an override."""
        return bool(self.check.allowed)

    def summary(self) -> dict[str, Any]:
        """Plain values for events, ``config.json`` and the CLI."""
        after = self.check.after
        return {
            "dp": None if self.plan is None else self.plan.to_dict(),
            "allowed": self.allowed,
            "reason": self.check.reason,
            "policy": {"max_epsilon": self.check.policy.max_epsilon, "max_delta": self.check.policy.max_delta,
                       "source": self.check.policy.source},
            "composed_epsilon_after": None if after.unbounded else after.composed_epsilon,
            "naive_epsilon_after": None if after.unbounded else after.naive_epsilon,
            "unbounded_after": after.unbounded,
            "warnings": [] if self.plan is None else self.plan.warnings(),
            "refused_for": refused_for(self),
            "fitting_epsilon": self.fitting_epsilon,
            "fit_searched": self.fit_searched,
        }


def _workspace_config(root: Path) -> Any:
    from core.config import load_config

    return load_config(Path(root) / "config.toml")


def preflight(root: Path, config: TrainConfig, *, suggest: bool = True) -> Preflight:
    """Plan the run's DP (when ``--dp``) and check it against the dataset's budget policy.

    Nothing is written: this is what the CLI's ``--plan`` and the TUI's Train screen show.
    A run refused for its epsilon also gets the largest target epsilon that would fit
    (:func:`fitting_epsilon`), unless ``suggest`` is False.
    """
    from core.budget import check_budget
    from core.datasets import get_dataset

    entry = get_dataset(root, config.dataset)
    plan = None
    if config.dp:
        plan = plan_dp(config, records=entry.splits.get("train", 0), patients=entry.patients.get("train", 0),
                       trainable=_trainable(root, config))
    check = check_budget(root, _workspace_config(root), config.dataset, None if plan is None else plan.params())
    pre = Preflight(plan, check)
    if suggest and refused_for(pre) == "epsilon":
        pre = replace(pre, fitting_epsilon=fitting_epsilon(root, config, pre), fit_searched=True)
    return pre


def _trainable(root: Path, config: TrainConfig) -> int | None:
    """The run's trainable parameter count for the SNR bound; None when the model cannot be
    read (the run itself then says why)."""
    from core.errors import MedsumError
    from core.train.trainable import count_trainable

    try:
        return count_trainable(root, config)
    except (MedsumError, OSError, ValueError):
        return None


def refused_for(pre: Preflight) -> str | None:
    """Why the policy refuses the run, as a word the fixes are chosen by: "nonprivate" (a
    non-private run under an epsilon limit), "delta", "unbounded" (the dataset already had a
    non-private run), "epsilon" (the composed epsilon would be over the limit); None if allowed.
    The order is :func:`core.budget.check_budget`'s."""
    if pre.allowed:
        return None
    policy, plan = pre.check.policy, pre.plan
    if plan is None:
        return "nonprivate"
    if policy.max_delta is not None and plan.delta > policy.max_delta:
        return "delta"
    if pre.check.before.unbounded:
        return "unbounded"
    return "epsilon"


def _round_down(value: float) -> float:
    """``value`` rounded down to two significant digits (3.47 -> 3.4, 0.0523 -> 0.052)."""
    if value <= 0:
        return 0.0
    unit = 10.0 ** (math.floor(math.log10(value)) - 1)
    return float(f"{math.floor(value / unit * (1 + 1e-12)) * unit:.2g}")


_MAX_NOISE = 512.0  # as privacy.accounting: no noise beyond it is searched for


def fitting_epsilon(root: Path, config: TrainConfig, pre: Preflight | None = None) -> float | None:
    """The largest target epsilon, to two significant digits, at which the dataset's budget
    policy allows ``config``'s run (same steps, sample rate and delta); None when no target
    epsilon fits, or the run is not a target-epsilon DP run refused for its epsilon.

    The answer is never taken on trust: it is returned only after the pre-flight itself,
    planning the run at that epsilon, allows it."""
    pre = pre or preflight(root, config, suggest=False)
    if pre.allowed:
        return config.target_epsilon
    if refused_for(pre) != "epsilon" or pre.plan is None or config.target_epsilon is None:
        return None
    ledger, params = open_ledger(root), pre.plan.params()
    limit = pre.check.policy.max_epsilon

    def fits(sigma: float) -> bool:
        return bool(ledger.spend(config.dataset, extra=replace(params, noise_multiplier=sigma)).composed_epsilon
                    <= limit)

    low, high = params.noise_multiplier, params.noise_multiplier * 2
    while not fits(high):  # double the noise until it fits
        if high >= _MAX_NOISE:
            return None  # the budget is spent: even the most noise does not fit
        low, high = high, min(high * 2, _MAX_NOISE)
    while high / low > 1.05:  # then the least noise that fits, to 5 % (the answer keeps 2 significant digits)
        middle = math.sqrt(low * high)
        low, high = (low, middle) if fits(middle) else (middle, high)
    from privacy.accounting import epsilon_for

    candidate = _round_down(epsilon_for([(high, params.sample_rate, params.steps)], params.delta, params.accountant))
    for _ in range(8):  # verify through the real pre-flight; step down if rounding or the search overshot
        if candidate <= 0:
            return None
        try:
            if preflight(root, config.model_copy(update={"target_epsilon": candidate}), suggest=False).allowed:
                return candidate
        except TrainError:
            return None  # so small an epsilon is unreachable
        candidate = _round_down(candidate * 0.9)
    return None


def _refused(reason: str) -> TrainError:
    return TrainError(f"refused before training: {reason} (give --override-budget \"reason\" "
                      "to run anyway; the reason is audited)")


class _Gate:
    """The budget check a reservation runs inside its ledger transaction (see
    :data:`privacy.ledger.Admit`): the policy's verdict on the spend read there, refused unless
    ``override_reason`` is given; ``refused_because`` keeps the verdict for the audit."""

    def __init__(self, root: Path, dataset: str, override_reason: str | None) -> None:
        from core.budget import budget_policy

        self.dataset = dataset
        self.policy = budget_policy(_workspace_config(root), dataset)
        self.override_reason = override_reason
        self.refused_because: str | None = None

    def __call__(self, before: Any, after: Any, dp: Any) -> str | None:
        from core.budget import _verdict

        allowed, reason = _verdict(self.dataset, self.policy, before, after, dp)
        if allowed:
            return None
        if not self.override_reason:
            raise _refused(reason)
        self.refused_because = reason
        return self.override_reason


def reserve(root: Path, run_id: str, config: TrainConfig, pre: Preflight, override_reason: str | None) -> None:
    """Refuse an over-budget run (unless overridden), else reserve its planned spend and audit it.

    The pre-flight's verdict is checked again inside the ledger transaction that inserts the
    reservation, on the spend read there: runs reserved since the pre-flight count, so two runs
    started together cannot both take the last of a budget. An override is recorded only when
    that check refuses the run."""
    from core.audit import Auditor
    from core.datasets import get_dataset
    from core.ledger import LedgerFailure
    from privacy.ledger import LedgerError

    if not pre.allowed and not override_reason:
        raise _refused(pre.check.reason)
    entry = get_dataset(root, config.dataset)
    auditor = Auditor(root)  # checks the ledger's seal and anchor before reading the spend in it
    ledger = auditor.ledger
    ledger.record_dataset(entry.name, fingerprint=entry.fingerprint, records=entry.records,
                          patients=sum(entry.patients.values()),
                          deid={"strategy": entry.strategy, "phi_found": entry.phi_found, "residual": entry.residual,
                                "skipped": entry.skipped})
    plan = pre.plan
    gate = _Gate(root, entry.name, override_reason)
    try:
        override = ledger.reserve(run_id, dataset=entry.name, fingerprint=entry.fingerprint, model=config.model,
                                  dp=None if plan is None else plan.params(),
                                  planned_epsilon=None if plan is None else plan.planned_epsilon, admit=gate)
    except LedgerError as exc:
        raise LedgerFailure(str(exc)) from None
    if override:
        auditor.event("budget.override", run_id=run_id, dataset=entry.name, reason=override,
                      refused_because=gate.refused_because)
    auditor.event("train.start", run_id=run_id, dataset=entry.name, fingerprint=entry.fingerprint,
                  model=config.model, dp=plan is not None,
                  planned_epsilon=None if plan is None else round(plan.planned_epsilon, 6),
                  delta=None if plan is None else plan.delta)


def _resume_steps(root: Path, run_id: str, *, checkpoint_step: int, total_steps: int) -> tuple[int, int]:
    """A resumed run's steps spent by its earlier processes, and the steps it counts with in all
    once resumed (spent steps plus those still to do after the checkpoint: redone steps count again)."""
    from core.reconcile import spent_on_disk
    from core.train.run import run_dir

    try:
        done = open_ledger(root).get_run(run_id).steps_done
    except KeyError:
        done = 0
    spent = max(done, spent_on_disk(run_dir(root, run_id)))
    return spent, spent + max(0, total_steps - checkpoint_step)


def resume_preflight(root: Path, run_id: str, config: TrainConfig, plan: DpPlan | None,
                     override_reason: str | None) -> Preflight:
    """The budget check of a run about to be resumed, before anything is loaded: does the run's
    whole spend (steps already spent plus those still to do) fit the dataset's policy *now*,
    beside every other run (its own earlier reservation is not counted twice)? Refused
    (exit 1) unless ``override_reason`` is given. :func:`resume_spend` checks it again,
    atomically with the new reservation."""
    from core.budget import BudgetCheck, _verdict, budget_policy
    from core.train.checkpoint import checkpointed_step
    from core.train.run import run_dir

    policy = budget_policy(_workspace_config(root), config.dataset)
    dp = None
    if plan is not None:
        _, counted = _resume_steps(root, run_id, checkpoint_step=checkpointed_step(run_dir(root, run_id)),
                                   total_steps=plan.steps)
        dp = replace(plan.params(), steps=counted)
    ledger = open_ledger(root)
    before = ledger.spend(config.dataset, exclude=run_id)
    after = (replace(before, unbounded=True, nonprivate_runs=before.nonprivate_runs + 1) if dp is None
             else ledger.spend(config.dataset, exclude=run_id, extra=dp))
    allowed, reason = _verdict(config.dataset, policy, before, after, dp)
    pre = Preflight(plan, BudgetCheck(allowed, reason, policy, before, after))
    if not allowed and not override_reason:
        raise _refused(f"resuming run {run_id}: {reason}")
    return pre


def resume_spend(root: Path, run_id: str, config: TrainConfig, *, checkpoint_step: int, total_steps: int,
                 override_reason: str | None = None) -> int:
    """Before a resumed run continues: the steps its earlier processes spent, and a new
    reservation for the steps still to come (spent steps are never given back).

    The reservation is checked against the dataset's policy as it is now, in the same ledger
    transaction (the run's whole spend beside every other run); refused (exit 1) unless
    ``override_reason`` is given, which is then recorded on the run and audited.

    A non-private run from before the ledger existed is entered now; a private one cannot
    be resumed without its ledger record."""
    from core.audit import Auditor
    from core.datasets import get_dataset
    from core.ledger import LedgerFailure
    from privacy.ledger import LedgerError

    auditor = Auditor(root)  # checks the ledger's seal and anchor before reading the spend in it
    ledger = auditor.ledger
    try:
        ledger.get_run(run_id)
    except KeyError:
        if config.dp:
            raise TrainError(f"run {run_id} is not in the privacy ledger; a DP run cannot be resumed without it") from None
        entry = get_dataset(root, config.dataset)
        ledger.reserve(run_id, dataset=entry.name, fingerprint=entry.fingerprint, model=config.model, dp=None,
                       planned_epsilon=None)
    spent, counted = _resume_steps(root, run_id, checkpoint_step=checkpoint_step, total_steps=total_steps)
    gate = _Gate(root, config.dataset, override_reason)
    try:
        override = ledger.reopen(run_id, steps_planned=counted, admit=gate)
    except LedgerError as exc:
        raise LedgerFailure(str(exc)) from None
    if override:
        auditor.event("budget.override", run_id=run_id, dataset=config.dataset, reason=override,
                      refused_because=gate.refused_because, resumed=True)
    ledger.update_steps(run_id, spent)
    return spent


def settle(root: Path, run_id: str, *, steps_done: int, epsilon: float | None, outcome: str) -> None:
    """Record the actual spend of a run that ended (finished, failed or interrupted) and audit it."""
    from core.audit import Auditor

    auditor = Auditor(root)
    auditor.ledger.settle(run_id, steps_done=steps_done, epsilon=epsilon, outcome=outcome)
    auditor.event("train.end", run_id=run_id, outcome=outcome, steps=steps_done,
                  epsilon=None if epsilon is None else round(epsilon, 6))
