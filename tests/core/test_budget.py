"""The budget policy and the pre-flight check: refusals name the dataset, the spend and the limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.budget import BudgetPolicy, budget_policy, check_budget
from core.config import MedsumConfig, load_config
from core.ledger import open_ledger
from privacy.ledger import DpParams
from tests.ledgers import sealed_ledger

DP = DpParams(noise_multiplier=1.0, sample_rate=0.01, steps=60, max_grad_norm=1.0, delta=1e-5, accountant="prv",
              privacy_unit="record", poisson=True, population=1000, expected_batch_size=10.0, target_epsilon=None)


def _config(budget: dict) -> MedsumConfig:
    return MedsumConfig.model_validate({"budget": budget})


def test_no_limit_configured_allows_everything(tmp_path: Path) -> None:
    config = MedsumConfig()
    assert budget_policy(config, "notes").source == "none"
    plain = check_budget(tmp_path, config, "notes", None)
    assert plain.allowed and plain.reason == "dataset notes: no privacy budget limit is configured"
    assert plain.after.unbounded and not plain.before.unbounded
    private = check_budget(tmp_path, config, "notes", DP)
    assert private.allowed and private.after.composed_epsilon > 0 == private.before.composed_epsilon


def test_a_run_over_the_policy_is_refused_with_a_clear_reason(tmp_path: Path) -> None:
    sealed_ledger(tmp_path).reserve("r1", dataset="notes", fingerprint="f", model="m", dp=DP, planned_epsilon=None)
    single = check_budget(tmp_path, MedsumConfig(), "notes", None).before.composed_epsilon
    config = _config({"max_epsilon": round(single * 1.2, 2)})
    check = check_budget(tmp_path, config, "notes", DP)
    assert not check.allowed and check.after.composed_epsilon > check.policy.max_epsilon > check.before.composed_epsilon
    assert check.reason == (f"dataset notes: composed epsilon after this run {check.after.composed_epsilon:.3g} at "
                            f"delta 1e-05 would be over the policy's max epsilon {check.policy.max_epsilon:.3g} "
                            "(workspace config)")
    assert "\n" not in check.reason
    roomy = check_budget(tmp_path, _config({"max_epsilon": 10.0}), "notes", DP)
    assert roomy.allowed and "within the policy's max epsilon 10.00 (workspace config)" in roomy.reason


def test_non_private_run_is_refused_when_max_epsilon_is_set(tmp_path: Path) -> None:
    check = check_budget(tmp_path, _config({"max_epsilon": 10.0}), "notes", None)
    assert not check.allowed and check.after.unbounded
    assert check.reason == ("dataset notes: a non-private run makes its privacy budget unbounded, over the policy's "
                            "max epsilon 10.00 (workspace config)")
    sealed_ledger(tmp_path).reserve("plain", dataset="notes", fingerprint="f", model="m", dp=None, planned_epsilon=None)
    after_plain = check_budget(tmp_path, _config({"max_epsilon": 10.0}), "notes", DP)
    assert not after_plain.allowed and "already unbounded (1 non-private run(s))" in after_plain.reason
    assert check_budget(tmp_path, _config({"max_delta": 1e-5}), "notes", None).allowed


def test_delta_over_the_policy_is_refused(tmp_path: Path) -> None:
    check = check_budget(tmp_path, _config({"max_delta": 1e-6}), "notes", DP)
    assert not check.allowed and check.reason == "dataset notes: delta 1e-05 is over the policy's max delta 1e-06 (workspace config)"


def test_per_dataset_override(tmp_path: Path) -> None:
    config = _config({"max_epsilon": 0.01, "max_delta": 1e-4, "datasets": {"notes": {"max_epsilon": 5.0}}})
    assert budget_policy(config, "notes").max_epsilon == 5.0
    assert budget_policy(config, "notes").max_delta == 1e-4
    assert budget_policy(config, "other").max_epsilon == 0.01
    assert check_budget(tmp_path, config, "notes", DP).allowed
    assert not check_budget(tmp_path, config, "other", DP).allowed


def test_it_policy_locks_the_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[budget]\nmax_epsilon = 0.05\n")
    monkeypatch.setenv("MEDSUM_POLICY_FILE", str(policy))
    user = tmp_path / "config.toml"
    user.write_text("[budget]\nmax_epsilon = 50.0\nmax_delta = 1e-4\n[budget.datasets.notes]\nmax_epsilon = 40.0\n"
                    "[budget.datasets.small]\nmax_epsilon = 0.01\n")
    loaded = load_config(user)
    assert "budget.max_epsilon" in loaded.locked
    notes = budget_policy(loaded, "notes")
    assert (notes.max_epsilon, notes.max_delta, notes.source) == (0.05, 1e-4, "IT policy + workspace config")
    assert budget_policy(loaded, "small").max_epsilon == 0.01  # tightening is allowed
    assert budget_policy(loaded, "other").max_epsilon == 0.05
    # A bare config reads which keys are locked from the workspace's files.
    check = check_budget(tmp_path, loaded.config, "notes", DP)
    assert not check.allowed and "max epsilon 0.05 and max delta 0.0001 (IT policy + workspace config)" in check.reason
    policy.write_text("[budget.datasets.notes]\nmax_epsilon = 0.02\n")
    assert budget_policy(load_config(user), "notes") == BudgetPolicy(0.02, 1e-4, "IT policy + workspace config")
