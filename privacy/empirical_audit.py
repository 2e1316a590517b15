"""An empirical lower bound on a training run's epsilon, from canaries scored after one run.

The method is Steinke, Nasr and Jagielski (2023), "Privacy Auditing with One (1) Training
Run" (NeurIPS 2023, arXiv:2305.08846). ``m`` canaries are each put into the training set with
probability 1/2, independently. After training the auditor scores every canary (here: minus
its loss, higher = "member") and guesses "in" for the ``k+`` highest scores, "out" for the
``k-`` lowest, and abstains on the rest. Under an (epsilon, delta)-DP training algorithm the
number ``v`` of correct guesses among ``r = k+ + k-`` is stochastically dominated by
``Binomial(r, e^eps / (1 + e^eps))`` up to a delta term (their Theorem 3.1 / Proposition 5.2);
:func:`p_value` is their Algorithm 2 p-value, and :func:`epsilon_lower_bound` the largest
epsilon whose p-value is still below ``1 - confidence`` (binary search, their Algorithm 2).

The guesses' sizes are not tuned on the result: :func:`audit_scores` tries a fixed handful of
symmetric ``k+ = k-`` choices and pays for the choice with a Bonferroni correction (each is
tested at ``(1 - confidence) / choices``).

No maintained implementation is available offline here: ``jax_privacy.auditing`` needs JAX
and ``dp_accounting``, which MedSum does not ship; this module needs only SciPy.

Also: the membership-inference AUC of the scores (Mann-Whitney), and the exposure of a
secret of Carlini et al. (2019), "The Secret Sharer", ``log2(K + 1) - log2(rank)``.

A lower bound is not the true epsilon: few canaries give weak bounds, and a bound at 0 proves
nothing. A bound ABOVE the accountant's epsilon means a defect (in the mechanism or in the
accounting): under a correct DP-SGD it happens with probability at most ``1 - confidence``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy.stats import binom

__all__ = ["GUESS_FRACTIONS", "AuditBound", "audit_scores", "auc", "epsilon_lower_bound", "exposure", "p_value"]

#: The shares of the canaries guessed on (half "in", half "out") that :func:`audit_scores` tries.
GUESS_FRACTIONS: tuple[float, ...] = (0.1, 0.2, 0.4, 1.0)
_SEARCH_STEPS = 40


def p_value(m: int, r: int, v: int, epsilon: float, delta: float) -> float:
    """The probability of ``v`` or more correct guesses out of ``r`` (with ``m`` canaries) when
    training is (``epsilon``, ``delta``)-DP: Steinke, Nasr and Jagielski 2023, Algorithm 2.

    ``P[Binomial(r, q) >= v] + 2 m delta * max_i P[v > Binomial(r, q) >= v - i] / i`` with
    ``q = e^eps / (1 + e^eps)``, capped at 1."""
    if not 0 <= v <= r <= m:
        raise ValueError(f"need 0 <= correct ({v}) <= guesses ({r}) <= canaries ({m})")
    if epsilon < 0 or not 0 <= delta <= 1:
        raise ValueError(f"need epsilon >= 0 and 0 <= delta <= 1 (got {epsilon}, {delta})")
    q = 1.0 / (1.0 + math.exp(-epsilon))
    beta = float(binom.sf(v - 1, r, q))
    alpha = running = 0.0
    if delta > 0:
        for i in range(1, v + 1):
            running += float(binom.pmf(v - i, r, q))
            alpha = max(alpha, running / i)
    return min(beta + alpha * delta * 2 * m, 1.0)


def epsilon_lower_bound(m: int, r: int, v: int, delta: float, confidence: float = 0.95) -> float:
    """The largest epsilon for which ``v`` correct guesses of ``r`` are still improbable
    (p-value below ``1 - confidence``): with that confidence the run is not epsilon-DP for any
    smaller epsilon. 0 when the guesses are no better than chance would allow."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1 (got {confidence})")
    alpha = 1.0 - confidence
    if r == 0 or p_value(m, r, v, 0.0, delta) >= alpha:
        return 0.0
    low, high = 0.0, 1.0
    while p_value(m, r, v, high, delta) < alpha:
        low, high = high, high * 2
        if high > 1e4:
            return low
    for _ in range(_SEARCH_STEPS):
        middle = (low + high) / 2
        if p_value(m, r, v, middle, delta) < alpha:
            low = middle
        else:
            high = middle
    return low


@dataclass(frozen=True)
class AuditBound:
    """The audit's outcome: the bound at its confidence and the guesses behind it."""

    epsilon_lower: float
    confidence: float
    canaries: int
    members: int
    guesses: int  # r
    correct: int  # v
    auc: float


def audit_scores(scores: Sequence[float], members: Sequence[bool], *, delta: float,
                 confidence: float = 0.95) -> AuditBound:
    """The one-run audit of canaries with membership ``scores`` (higher: more likely trained on)
    and their true membership: the best bound over :data:`GUESS_FRACTIONS`, each tested at the
    Bonferroni-corrected confidence so that the result holds at ``confidence``."""
    if len(scores) != len(members):
        raise ValueError(f"{len(scores)} scores for {len(members)} canaries")
    m = len(scores)
    order = sorted(range(m), key=lambda i: scores[i])  # lowest score (guess "out") first
    corrected = 1.0 - (1.0 - confidence) / len(GUESS_FRACTIONS)
    best = AuditBound(0.0, confidence, m, sum(map(bool, members)), 0, 0, auc(scores, members))
    for fraction in GUESS_FRACTIONS:
        k = max(1, int(fraction * m / 2))
        if 2 * k > m:
            continue
        correct = sum(not members[i] for i in order[:k]) + sum(bool(members[i]) for i in order[m - k:])
        bound = epsilon_lower_bound(m, 2 * k, correct, delta, corrected)
        if bound > best.epsilon_lower or best.guesses == 0:
            best = AuditBound(bound, confidence, m, best.members, 2 * k, correct, best.auc)
    return best


def auc(scores: Sequence[float], members: Sequence[bool]) -> float:
    """The membership-inference ROC AUC: the chance that a random member scores above a random
    non-member (ties count half); 0.5 when either group is empty."""
    inside = [s for s, member in zip(scores, members, strict=True) if member]
    outside = [s for s, member in zip(scores, members, strict=True) if not member]
    if not inside or not outside:
        return 0.5
    wins = sum((a > b) + 0.5 * (a == b) for a in inside for b in outside)
    return wins / (len(inside) * len(outside))


def exposure(rank: int, candidates: int) -> float:
    """Carlini et al. (2019) exposure of a secret ranked ``rank`` (1 = the model's likeliest)
    among ``candidates`` secrets (the true one and ``candidates - 1`` fresh ones):
    ``log2(candidates) - log2(rank)``; 0 at the median-or-worse end, ``log2(candidates)`` at best."""
    if not 1 <= rank <= candidates:
        raise ValueError(f"rank {rank} is not between 1 and {candidates}")
    return math.log2(candidates) - math.log2(rank)
