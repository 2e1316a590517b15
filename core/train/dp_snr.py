"""Will a DP run learn? The signal-to-noise ratio of one DP-SGD step, known before the run, and
what would raise it (more records, a larger logical batch, fewer trainable parameters).

One noised step adds up to B clipped per-sample gradients (each of norm at most C) and Gaussian
noise of standard deviation sigma x C in each of the d trainable coordinates, whose norm is about
sigma x C x sqrt(d). If every clipped gradient had norm C and they all pointed the same way, the
sum would have norm B x C, so

    SNR = B / (sigma x sqrt(d))

is an *upper bound* on the useful signal per step: real per-sample gradients are shorter than C
after clipping only if they were short already, and they are far from aligned. On the project's
utility benchmark (480 records, logical batch 64, about 147k LoRA parameters, epsilon 8) this
bound is 0.22, the measured summed clipped gradient was about 1/16 of B x C (an SNR of 0.014),
and the DP run learned nothing.
"""

from __future__ import annotations

import math
from typing import Any

from core.train.config import TrainConfig

__all__ = ["ADVICE_ACCOUNTANT", "SNR_THRESHOLD", "describe_advice", "snr_advice", "snr_per_step"]

SNR_THRESHOLD = 1.0
"""Below it the pre-flight warns. An upper bound under 1 means the noise outweighs the signal on
every step even if all per-sample gradients agreed; the benchmark's run, which learned nothing,
had 0.22. Reaching 1 is necessary, not sufficient (real gradients align far less)."""

ADVICE_ACCOUNTANT = "rdp"
"""The advice re-runs the accountant for other batches and dataset sizes: RDP, which answers in a
fraction of a second where PRV takes seconds, and needs at least as much noise as PRV for the
same epsilon, so the advised SNRs are, if anything, slightly low."""

_MAX_GROWTH = 1024  # the largest dataset the advice looks at: this many times the current one
_MAX_DOUBLINGS = 10


def snr_per_step(expected_batch: float, noise_multiplier: float, trainable: int) -> float:
    """The upper bound on one DP-SGD step's signal-to-noise ratio, ``B / (sigma x sqrt(d))``.

    ``expected_batch`` is B (sample rate x population), ``trainable`` is d, the number of
    trainable parameters. It assumes every clipped per-sample gradient has the clipping norm
    and all point the same way (see the module's docstring); the clipping norm cancels.
    """
    if noise_multiplier <= 0 or trainable < 1:
        raise ValueError("the SNR needs a positive noise multiplier and at least one trainable parameter")
    return expected_batch / (noise_multiplier * math.sqrt(trainable))


def _sigma(config: TrainConfig, epsilon: float, population: int, logical: int) -> float | None:
    """The noise multiplier for ``epsilon`` with ``population`` in the dataset and a logical
    batch of ``logical``, as the plan would choose it (None when no noise reaches it)."""
    from core.train.dp_plan import schedule
    from privacy.accounting import noise_for

    sample_rate, _, steps, delta = schedule(config, population, logical)
    try:
        return noise_for(epsilon, delta, sample_rate, steps, ADVICE_ACCOUNTANT)
    except ValueError:
        return None


def _snr_at(config: TrainConfig, epsilon: float, population: int, logical: int, trainable: int) -> float:
    sigma = _sigma(config, epsilon, population, logical)
    if sigma is None:
        return 0.0
    return snr_per_step(min(logical, population), sigma, trainable)


def _records_needed(config: TrainConfig, epsilon: float, population: int, trainable: int) -> int | None:
    """The smallest population (to about 10 %) that reaches the threshold at the same epsilon and
    logical batch; None when none up to :data:`_MAX_GROWTH` times the current one does."""
    from privacy.accounting import MIN_NOISE

    logical, low, high = config.global_batch, population, None
    if snr_per_step(logical, MIN_NOISE, trainable) < SNR_THRESHOLD:
        return None  # even the least noise the accountants accept is too much at this batch
    for _ in range(_MAX_DOUBLINGS):
        size = low * 2
        if size > population * _MAX_GROWTH:
            break
        if _snr_at(config, epsilon, size, logical, trainable) >= SNR_THRESHOLD:
            high = size
            break
        low = size
    if high is None:
        return None
    while (high - low) / high > 0.1:
        middle = (low + high) // 2
        if _snr_at(config, epsilon, middle, logical, trainable) >= SNR_THRESHOLD:
            high = middle
        else:
            low = middle
    return high


def snr_advice(config: TrainConfig, *, population: int, trainable: int, epsilon: float,
               snr: float) -> dict[str, Any]:
    """What would bring the SNR of ``config``'s run to :data:`SNR_THRESHOLD` at the same epsilon.

    ``records``: the population needed at the same logical batch (None: no size up to 1024
    times this one). ``logical_batch``, ``grad_accum``, ``logical_batch_snr``: the smallest
    doubling of the logical batch (capped at the population) that reaches it, or else the largest
    tried, with its SNR (noise re-planned by the accountant for that batch). ``lora_r`` and
    ``lora_r_snr``: the largest LoRA rank (``lora_r_now``: the current one) that reaches it (the SNR at rank 1 when none does);
    absent for ``--full``. Every noise multiplier here comes from :data:`ADVICE_ACCOUNTANT`.
    """
    advice: dict[str, Any] = {"threshold": SNR_THRESHOLD, "accountant": ADVICE_ACCOUNTANT,
                              "records": _records_needed(config, epsilon, population, trainable)}
    batch, best = config.global_batch, (config.global_batch, snr)
    while batch < population:
        batch = min(batch * 2, population)  # the last try samples everyone (sample rate 1)
        best = (batch, _snr_at(config, epsilon, population, batch, trainable))
        if best[1] >= SNR_THRESHOLD:
            break
    if best[0] != config.global_batch:
        advice.update(logical_batch=best[0], grad_accum=math.ceil(config.grad_accum * best[0] / config.global_batch),
                      logical_batch_snr=round(best[1], 3))
    if not config.full:  # LoRA's trainable count is proportional to its rank; the noise does not depend on it
        rank = max(1, math.floor(config.lora_r * (snr / SNR_THRESHOLD) ** 2))
        advice.update(lora_r=rank, lora_r_now=config.lora_r, lora_r_snr=round(snr * math.sqrt(config.lora_r / rank), 3))
    return advice


def describe_advice(plan_snr: float, advice: dict[str, Any], *, unit: str, population: int,
                    expected_batch: float, noise: float, trainable: int) -> str:
    """The pre-flight's warning for a low SNR, with the advice in numbers."""
    head = (f"signal-to-noise per step is at most {plan_snr:.3g} (expected batch {expected_batch:.0f} / "
            f"(noise {noise:.3g} x sqrt({trainable:,} trainable parameters))), below {advice['threshold']:g}: "
            "the noise will likely drown what the model learns. At the same epsilon")
    parts = []
    if advice["records"] is not None:
        parts.append(f"about {advice['records']:,} training {unit}s (now {population:,}) would reach "
                     f"{advice['threshold']:g}")
    else:
        parts.append(f"no number of training {unit}s reaches {advice['threshold']:g} at this batch")
    if "logical_batch" in advice:
        parts.append(f"a logical batch of {advice['logical_batch']} (--grad-accum {advice['grad_accum']}) gives "
                     f"at most {advice['logical_batch_snr']:.3g}")
    if "lora_r" in advice and advice["lora_r"] < advice["lora_r_now"]:
        parts.append(f"LoRA rank {advice['lora_r']} (now {advice['lora_r_now']}) gives at most {advice['lora_r_snr']:.3g}")
    return f"{head}: {'; '.join(parts)} (noise re-planned by the {advice['accountant'].upper()} accountant)"
