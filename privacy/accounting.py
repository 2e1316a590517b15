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
from typing import Literal

__all__ = ["ACCOUNTANTS", "Accountant", "HistoryEntry", "default_delta", "epsilon_for", "noise_for"]

Accountant = Literal["prv", "rdp"]
ACCOUNTANTS: tuple[str, ...] = ("prv", "rdp")
HistoryEntry = tuple[float, float, int]  # noise multiplier, sample rate, steps


def _check(accountant: str) -> None:
    if accountant not in ACCOUNTANTS:
        raise ValueError(f"accountant must be one of {', '.join(ACCOUNTANTS)}, not {accountant!r}")


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
        if sigma <= 0 or not 0 < q <= 1:
            raise ValueError(f"invalid mechanism: noise {sigma}, sample rate {q}")
    if not entries:
        return 0.0
    acc = _make(accountant)
    acc.history = entries  # type: ignore[attr-defined]
    with warnings.catch_warnings():  # RDP's "optimal order is the largest alpha": a looser bound, still valid
        warnings.simplefilter("ignore", UserWarning)
        return float(acc.get_epsilon(delta=delta))  # type: ignore[attr-defined]


def noise_for(target_epsilon: float, delta: float, sample_rate: float, steps: int,
              accountant: str = "prv") -> float:
    """The smallest noise multiplier (to 0.01 in epsilon) whose epsilon after ``steps`` at
    ``sample_rate`` is at most ``target_epsilon``."""
    from opacus.accountants.utils import get_noise_multiplier

    _check(accountant)
    if target_epsilon <= 0:
        raise ValueError(f"target epsilon must be positive, got {target_epsilon}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return float(get_noise_multiplier(target_epsilon=target_epsilon, target_delta=delta,
                                              sample_rate=sample_rate, steps=steps, accountant=accountant,
                                              epsilon_tolerance=0.01))
    except ValueError as exc:
        raise ValueError(f"no noise multiplier reaches epsilon {target_epsilon} at delta {delta} "
                         f"in {steps} steps at sample rate {sample_rate:.4g}: {exc}") from None


def default_delta(population: int) -> float:
    """A delta well below 1/N for N records (or patients): 1/(10 N) rounded down to one digit."""
    if population < 1:
        raise ValueError("the population must hold at least one record")
    raw = 1.0 / (10 * population)
    exponent = math.floor(math.log10(raw))
    digit = math.floor(raw / 10.0**exponent + 1e-9)
    return float(f"{digit}e{exponent}")
