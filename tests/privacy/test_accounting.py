"""Privacy accounting: epsilon of a history, the noise for a target, the default delta, and the
noise floor that keeps the accountants bounded."""

from __future__ import annotations

import pytest

from privacy.accounting import MIN_NOISE, default_delta, epsilon_for, noise_for


def test_default_delta_is_well_below_one_over_n() -> None:
    assert default_delta(1600) == 6e-05
    assert default_delta(10) == 0.01
    assert default_delta(9999) == 1e-05
    for n in (1, 7, 123, 4567, 10**6):
        assert default_delta(n) < 1 / n


def test_epsilon_matches_opacus_and_composes() -> None:
    from opacus.accountants import RDPAccountant

    history = [(1.0, 0.02, 100)]
    accountant = RDPAccountant()
    accountant.history = list(history)
    assert epsilon_for(history, 1e-5, "rdp") == pytest.approx(accountant.get_epsilon(delta=1e-5))
    one = epsilon_for(history, 1e-5)
    two = epsilon_for(history * 2, 1e-5)
    assert one < two < 2 * one  # composition costs more than one run and less than the naive sum
    assert epsilon_for([], 1e-5) == 0.0


def test_noise_for_a_target_stays_within_it() -> None:
    sigma = noise_for(3.0, 1e-5, 0.02, 100)
    assert 2.99 - 0.02 <= epsilon_for([(sigma, 0.02, 100)], 1e-5) <= 3.0


def test_noise_below_the_floor_is_refused_and_never_chosen() -> None:
    with pytest.raises(ValueError, match="below 0.3"):
        epsilon_for([(0.001, 0.06, 150)], 1e-5)
    assert noise_for(10_000.0, 1e-5, 0.03, 4) == MIN_NOISE  # a loose target gets the floor, not less


@pytest.mark.parametrize("bad", ["gdp", "", "PRV"])
def test_only_prv_and_rdp_are_offered(bad: str) -> None:
    with pytest.raises(ValueError, match="accountant"):
        epsilon_for([(1.0, 0.1, 10)], 1e-5, bad)


def test_an_accountant_out_of_memory_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """PRV's grid grows with the steps; numpy's refusal to allocate it becomes a ValueError that
    names the fix (the planner turns it into a one-line TrainError), never a traceback."""
    from opacus.accountants import PRVAccountant

    def too_big(self: object, **_: object) -> float:
        raise MemoryError("Unable to allocate 170. GiB")

    monkeypatch.setattr(PRVAccountant, "get_epsilon", too_big)
    with pytest.raises(ValueError, match=r"out of memory bounding 100000 steps; use fewer steps, or --accountant rdp"):
        epsilon_for([(1.0, 0.25, 100_000)], 1e-5, "prv")


def test_the_same_history_is_accounted_once_and_answers_the_same() -> None:
    from privacy.accounting import _epsilon, epsilon_for

    history = [(1.3, 0.01, 250), (2.1, 0.02, 100)]
    first = epsilon_for(history, 1e-5)
    hits = _epsilon.cache_info().hits
    assert epsilon_for([(1.3, 0.01, 250), (2.1, 0.02, 100)], 1e-5) == first
    assert _epsilon.cache_info().hits == hits + 1
    assert epsilon_for(history[:1], 1e-5) < first  # another history is computed, not looked up wrongly
