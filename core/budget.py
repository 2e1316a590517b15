"""The privacy budget policy of a dataset, and the check a run must pass before it trains.

The policy is the ``[budget]`` section of the config (``max_epsilon``, ``max_delta``), with
``[budget.datasets.NAME]`` overriding it for one dataset. A value the IT policy file sets is
locked: a user's per-dataset value can then only tighten it, never loosen it.

A run is refused when, after it, the dataset's composed epsilon would exceed
``max_epsilon``, when its delta exceeds ``max_delta``, or when it is non-private (or the
dataset already had a non-private run) while ``max_epsilon`` is set: its budget is unbounded.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from core.config import LoadedConfig, MedsumConfig, load_config
from core.ledger import LedgerFailure, open_ledger
from privacy.ledger import DpParams, LedgerError, Spend

__all__ = ["BudgetCheck", "BudgetPolicy", "budget_policy", "check_budget", "format_delta", "format_epsilon"]

_IT = "IT policy"
_USER = "workspace config"


@dataclass(frozen=True)
class BudgetPolicy:
    """The limits that apply to one dataset and where they come from ("workspace config",
    "IT policy", both joined by " + ", or "none")."""

    max_epsilon: float | None
    max_delta: float | None
    source: str

    @property
    def configured(self) -> bool:
        """Whether any limit is set."""
        return self.max_epsilon is not None or self.max_delta is not None


@dataclass(frozen=True)
class BudgetCheck:
    """Whether a planned run fits the dataset's policy, why (one line), and the spend before and after it."""

    allowed: bool
    reason: str
    policy: BudgetPolicy
    before: Spend
    after: Spend


def format_epsilon(value: float) -> str:
    """An epsilon for people: ``2.31``, ``0.052``."""
    return f"{value:.3g}" if value < 1 else f"{value:.2f}"


def format_delta(value: float | None) -> str:
    """A delta for people: ``1e-05``; ``-`` when there is none."""
    return "-" if value is None else f"{value:.3g}"


def _limit(config: MedsumConfig, locked: frozenset[str], dataset: str, key: str) -> tuple[float | None, str | None]:
    """One limit for ``dataset`` and its source."""
    own = config.budget.datasets.get(dataset)
    own_value = getattr(own, key) if own is not None else None
    common = getattr(config.budget, key)
    common_source = _IT if f"budget.{key}" in locked else _USER
    if own_value is not None:
        if f"budget.datasets.{dataset}.{key}" in locked:
            return own_value, _IT
        if common is not None and common_source == _IT and common < own_value:
            return common, _IT  # a user's per-dataset value cannot loosen a locked one
        return own_value, _USER
    if common is not None:
        return common, common_source
    return None, None


def budget_policy(config: MedsumConfig | LoadedConfig, dataset: str, *,
                  locked: frozenset[str] | None = None) -> BudgetPolicy:
    """The budget policy for ``dataset``. Give a :class:`LoadedConfig` (or ``locked``) so that
    values from the IT policy are known as such; a bare config counts as the workspace's."""
    if isinstance(config, LoadedConfig):
        locked = config.locked if locked is None else locked
        config = config.config
    locked = locked or frozenset()
    max_epsilon, eps_source = _limit(config, locked, dataset, "max_epsilon")
    max_delta, delta_source = _limit(config, locked, dataset, "max_delta")
    sources = [s for s in (_IT, _USER) if s in (eps_source, delta_source)]
    return BudgetPolicy(max_epsilon, max_delta, " + ".join(sources) or "none")


def _locked_keys(root: Path) -> frozenset[str]:
    return load_config(Path(root) / "config.toml").locked


def _limits(policy: BudgetPolicy) -> str:
    parts = []
    if policy.max_epsilon is not None:
        parts.append(f"max epsilon {format_epsilon(policy.max_epsilon)}")
    if policy.max_delta is not None:
        parts.append(f"max delta {format_delta(policy.max_delta)}")
    return f"the policy's {' and '.join(parts)} ({policy.source})"


def _verdict(dataset: str, policy: BudgetPolicy, before: Spend, after: Spend, dp: DpParams | None) -> tuple[bool, str]:
    name = f"dataset {dataset}"
    after_text = (f"composed epsilon after this run {format_epsilon(after.composed_epsilon)} "
                  f"at delta {format_delta(after.delta)}")
    if policy.max_epsilon is not None and dp is None:
        return False, f"{name}: a non-private run makes its privacy budget unbounded, over {_limits(policy)}"
    if dp is not None and policy.max_delta is not None and dp.delta > policy.max_delta:
        return False, f"{name}: delta {format_delta(dp.delta)} is over {_limits(policy)}"
    if policy.max_epsilon is not None and before.unbounded:
        return False, (f"{name}: its privacy budget is already unbounded ({before.nonprivate_runs} non-private "
                       f"run(s)), over {_limits(policy)}")
    if policy.max_epsilon is not None and after.composed_epsilon > policy.max_epsilon:
        return False, f"{name}: {after_text} would be over {_limits(policy)}"
    if not policy.configured:
        return True, f"{name}: no privacy budget limit is configured"
    if dp is None:
        return True, f"{name}: a non-private run; {_limits(policy)} sets no epsilon limit"
    return True, f"{name}: {after_text}, within {_limits(policy)}"


def check_budget(root: Path, config: MedsumConfig | LoadedConfig, dataset: str, dp: DpParams | None) -> BudgetCheck:
    """Check a planned run on ``dataset`` (``dp`` None: non-private) against its budget policy,
    from the spend the ledger holds. Writes nothing. With a bare :class:`MedsumConfig`, which
    keys the IT policy locked is read from the workspace's config files."""
    locked = config.locked if isinstance(config, LoadedConfig) else _locked_keys(root)
    policy = budget_policy(config, dataset, locked=locked)
    ledger = open_ledger(root)
    try:
        before = ledger.spend(dataset)
        if dp is None:
            after = replace(before, unbounded=True, nonprivate_runs=before.nonprivate_runs + 1)
        else:
            after = ledger.spend(dataset, extra=dp)
    except LedgerError as exc:
        raise LedgerFailure(str(exc)) from None
    allowed, reason = _verdict(dataset, policy, before, after, dp)
    return BudgetCheck(allowed, reason, policy, before, after)
