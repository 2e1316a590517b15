"""The one-run epsilon lower bound (Steinke, Nasr and Jagielski 2023), the membership AUC and
the exposure (Carlini et al. 2019), against hand-checked values."""

from __future__ import annotations

import math

import pytest

from privacy.empirical_audit import audit_scores, auc, epsilon_lower_bound, exposure, p_value


def test_all_guesses_right_gives_the_closed_form_bound() -> None:
    # delta = 0: P[Bin(100, q) >= 100] = q^100 < 0.05  <=>  q > 0.05^(1/100); eps = logit(q)
    q = 0.05 ** (1 / 100)
    expected = math.log(q / (1 - q))  # 3.4928...
    assert epsilon_lower_bound(100, 100, 100, 0.0, 0.95) == pytest.approx(expected, abs=1e-6)
    assert expected == pytest.approx(3.4928, abs=1e-3)


def test_chance_level_guessing_gives_no_bound() -> None:
    assert epsilon_lower_bound(1000, 1000, 500, 1e-5, 0.95) == 0.0
    assert epsilon_lower_bound(1000, 1000, 520, 1e-5, 0.95) == 0.0  # within noise of 50%
    assert epsilon_lower_bound(10, 0, 0, 1e-5, 0.95) == 0.0  # no guesses


def test_the_bound_grows_with_the_correct_count_and_shrinks_with_delta_and_confidence() -> None:
    bounds = [epsilon_lower_bound(1000, 200, v, 1e-6, 0.95) for v in range(100, 201, 10)]
    assert bounds == sorted(bounds) and bounds[0] == 0.0 and bounds[-1] > 2.5
    assert epsilon_lower_bound(1000, 200, 190, 1e-3, 0.95) < epsilon_lower_bound(1000, 200, 190, 0.0, 0.95)
    assert epsilon_lower_bound(1000, 200, 190, 1e-6, 0.99) < epsilon_lower_bound(1000, 200, 190, 1e-6, 0.95)


def test_p_value_is_the_binomial_tail_plus_the_delta_term() -> None:
    # eps = 0, delta = 0: P[Bin(4, 1/2) >= 3] = 5/16
    assert p_value(4, 4, 3, 0.0, 0.0) == pytest.approx(5 / 16)
    # delta term: alpha = max_i P[3 > Bin(4, 1/2) >= 3 - i] / i = max(6/16, 10/32, 11/48) = 6/16
    assert p_value(4, 4, 3, 0.0, 0.01) == pytest.approx(5 / 16 + 6 / 16 * 0.01 * 2 * 4)
    with pytest.raises(ValueError):
        p_value(4, 5, 3, 0.0, 0.0)


def test_perfect_scores_give_a_positive_bound_and_auc_one() -> None:
    members = [i % 2 == 0 for i in range(200)]
    scores = [1.0 if m else 0.0 for m in members]
    bound = audit_scores(scores, members, delta=1e-5)
    assert bound.auc == 1.0 and bound.correct == bound.guesses == 200 and bound.epsilon_lower > 2.5
    flipped = audit_scores([-s for s in scores], members, delta=1e-5)
    assert flipped.epsilon_lower == 0.0 and flipped.auc == 0.0


def test_auc_counts_ties_half_and_exposure_follows_carlini() -> None:
    assert auc([1, 2, 3, 4], [False, False, True, True]) == 1.0
    assert auc([1, 1], [True, False]) == 0.5
    assert auc([1, 2], [True, True]) == 0.5
    assert exposure(1, 1024) == pytest.approx(10.0)
    assert exposure(512, 1024) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        exposure(0, 10)
