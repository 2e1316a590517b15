"""A refusal for epsilon names the largest target epsilon that fits, and that epsilon really fits:
the pre-flight planning it with the real accountant allows it, and a bit more is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.datasets import import_dataset
from core.ledger import open_ledger
from core.synth import generate_corpus, write_corpus
from core.train.config import TrainConfig
from core.train.spend import fitting_epsilon, preflight
from core.workspace import init_workspace, resolve_workspace
from tests.ledgers import sealed_ledger


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with one dataset, one earlier private run on it, and a max epsilon of 2.5."""
    base = tmp_path_factory.mktemp("fit")
    opened, _ = init_workspace(resolve_workspace(base / "ws"))
    raw = base / "raw.jsonl"
    write_corpus(generate_corpus(40, 5), raw, None)
    import_dataset(opened, raw, "notes", strategy="redact")
    earlier = preflight(opened.root, _config(1.5), suggest=False)
    sealed_ledger(opened.root).reserve("earlier", dataset="notes", fingerprint="f", model="m",
                                     dp=earlier.plan.params(), planned_epsilon=earlier.plan.planned_epsilon)
    with (opened.root / "config.toml").open("a", encoding="utf-8") as handle:
        handle.write("\n[budget]\nmax_epsilon = 2.5\n")
    return opened.root


def _config(epsilon: float) -> TrainConfig:
    return TrainConfig(dataset="notes", model="tiny", dp=True, target_epsilon=epsilon, max_steps=20, batch_size=4)


def test_the_suggested_epsilon_is_allowed_by_the_real_preflight(root: Path) -> None:
    refused = preflight(root, _config(2.4))
    assert not refused.allowed and refused.summary()["refused_for"] == "epsilon"
    suggested = refused.fitting_epsilon
    assert suggested is not None and 0 < suggested < 2.4
    assert refused.summary()["fitting_epsilon"] == suggested
    at_suggested = preflight(root, _config(suggested), suggest=False)
    assert at_suggested.allowed
    assert at_suggested.check.after.composed_epsilon <= 2.5
    # and it is near the edge: a quarter more is refused, so the suggestion is not needlessly small
    assert not preflight(root, _config(suggested * 1.25), suggest=False).allowed


def test_no_epsilon_fits_a_spent_budget(root: Path) -> None:
    text = (root / "config.toml").read_text(encoding="utf-8")
    try:
        (root / "config.toml").write_text(text.replace("max_epsilon = 2.5", "max_epsilon = 1.0"), encoding="utf-8")
        refused = preflight(root, _config(0.5))
        assert not refused.allowed and refused.summary()["refused_for"] == "epsilon"
        assert refused.fitting_epsilon is None
    finally:
        (root / "config.toml").write_text(text, encoding="utf-8")


def test_an_allowed_run_needs_no_suggestion(root: Path) -> None:
    allowed = preflight(root, _config(0.3))
    assert allowed.allowed and allowed.fitting_epsilon is None and allowed.summary()["refused_for"] is None
    assert fitting_epsilon(root, _config(0.3)) == 0.3
