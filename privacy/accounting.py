"""Privacy accounting for DP-SGD: epsilon from a history of (noise, sample rate, steps), and the
noise that reaches a target epsilon, through Opacus's accountants.

One history entry is one stretch of steps with the same noise multiplier and sample rate. A
run contributes one entry; composing runs on a dataset concatenates their entries, which is
exactly what the accountant does for consecutive mechanisms on the same data.

PRV is the default (tight, within about 0.01 of Google's dp-accounting); RDP is offered.
The Gaussian (GDP) accountant underestimates and is never used.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Literal

__all__ = ["ACCOUNTANTS", "MIN_NOISE", "Accountant", "HistoryEntry", "default_delta", "epsilon_for", "noise_for"]

Accountant = Literal["prv", "rdp"]
ACCOUNTANTS: tuple[str, ...] = ("prv", "rdp")
HistoryEntry = tuple[float, float, int]  # noise multiplier, sample rate, steps
#: The least noise accepted. Below it epsilon runs into the hundreds, and the PRV accountant's
#: grid grows without bound (0.1 took minutes and returned infinity; 0.001 asked for terabytes).
MIN_NOISE = 0.3
_MAX_NOISE = 512.0


def _check(accountant: str) -> None:
    if accountant not in ACCOUNTANTS:
        raise ValueError(f"accountant must be one of {', '.join(ACCOUNTANTS)}, not {accountant!r}")


def numpy_quiet() -> Any:
    """numpy's floating-point warnings off, for the accountants' internal overflows."""
    import numpy

    return numpy.errstate(all="ignore")


def _make(accountant: str) -> object:
    from opacus.accountants import PRVAccountant, RDPAccountant

    return PRVAccountant() if accountant == "prv" else RDPAccountant()


def epsilon_for(history: Sequence[HistoryEntry], delta: float, accountant: str = "prv") -> float:
    """Epsilon at ``delta`` after every mechanism in ``history`` (0.0 for an empty history)."""
    _check(accountant)
    if not 0 < delta < 1:
        raise ValueError(f"delta must be in (0, 1), got {delta}")
    entries = [(float(s), float(q), int(n)) for s, q, n in history if int(n) > 0]
    for sigma, q, _steps in entries:
        if not 0 < q <= 1:
            raise ValueError(f"invalid sample rate {q}")
        if sigma < MIN_NOISE:
            raise ValueError(f"noise multiplier {sigma:g} is below {MIN_NOISE}: its epsilon is far beyond any "
                             "meaningful budget and the accountants cannot bound it reliably")
    if not entries:
        return 0.0
    return _epsilon(tuple(entries), float(delta), accountant)


@lru_cache(maxsize=1024)
def _epsilon(entries: tuple[HistoryEntry, ...], delta: float, accountant: str) -> float:
    """The accountant's answer for validated ``entries``, memoized: the accountants are
    deterministic, and the searches for a noise multiplier (every plan) and for the largest
    epsilon that fits a budget ask for the same histories again and again (0.2 to 0.5 s each)."""
    acc = _make(accountant)
    acc.history = list(entries)  # type: ignore[attr-defined]
    with warnings.catch_warnings(), numpy_quiet():
        # RDP's "optimal order is the largest alpha" is a looser bound, still valid; PRV's
        # numpy overflows at large noise are in the tails its error bounds already cover.
        warnings.simplefilter("ignore", UserWarning)
        try:
            return float(acc.get_epsilon(delta=delta))  # type: ignore[attr-defined]
        except MemoryError:  # PRV's discretisation grid grows with the steps: a one-line reason, not a traceback
            steps = sum(n for _, _, n in entries)
            raise ValueError(f"the {accountant.upper()} accountant ran out of memory bounding {steps} steps; "
                             "use fewer steps, or --accountant rdp") from None


def noise_for(target_epsilon: float, delta: float, sample_rate: float, steps: int,
              accountant: str = "prv") -> float:
    """The smallest noise multiplier, to 0.01 in epsilon and never below :data:`MIN_NOISE`,
    whose epsilon after ``steps`` at ``sample_rate`` is at most ``target_epsilon``."""
    _check(accountant)
    if target_epsilon <= 0:
        raise ValueError(f"target epsilon must be positive, got {target_epsilon}")
    def history(sigma: float) -> list[HistoryEntry]:
        return [(sigma, sample_rate, steps)]

    if epsilon_for(history(MIN_NOISE), delta, accountant) <= target_epsilon:
        return MIN_NOISE
    low, high = MIN_NOISE, 2.0
    while (high_eps := epsilon_for(history(high), delta, accountant)) > target_epsilon:
        low, high = high, high * 2
        if high > _MAX_NOISE:
            raise ValueError(f"no noise multiplier up to {_MAX_NOISE:g} reaches epsilon {target_epsilon} at delta "
                             f"{delta:g} in {steps} steps at sample rate {sample_rate:.4g}")
    while target_epsilon - high_eps > 0.01:
        middle = (low + high) / 2
        eps = epsilon_for(history(middle), delta, accountant)
        if eps <= target_epsilon:
            high, high_eps = middle, eps
        else:
            low = middle
        if high - low < 1e-4:
            break
    return high


def default_delta(population: int) -> float:
    """A delta well below 1/N for N records (or patients): 1/(10 N) rounded down to one digit."""
    if population < 1:
        raise ValueError("the population must hold at least one record")
    raw = 1.0 / (10 * population)
    exponent = math.floor(math.log10(raw))
    digit = math.floor(raw / 10.0**exponent + 1e-9)
    return float(f"{digit}e{exponent}")
