"""The pre-flight of a DP run: sample rate, steps, noise and the planned epsilon, computed from
the configuration and the dataset's counts before any step runs."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from core.train.config import TrainConfig, TrainError
from privacy.accounting import default_delta, epsilon_for, noise_for
from privacy.ledger import DpParams

__all__ = ["DpPlan", "plan_dp", "schedule"]


@dataclass(frozen=True)
class DpPlan:
    """Everything DP-SGD will use, and the epsilon it will have spent at the end."""

    privacy_unit: str
    population: int  # training records (unit record) or training patients (unit patient)
    records: int
    sample_rate: float
    expected_batch_size: float
    physical_batch_size: int
    steps: int
    steps_per_epoch: int
    noise_multiplier: float
    max_grad_norm: float
    delta: float
    accountant: str
    target_epsilon: float | None
    planned_epsilon: float
    several_records_per_patient: bool
    # The signal-to-noise bound per step (core.train.dp_snr); None when the trainable
    # parameters were not counted (and in plans saved before it existed).
    trainable_parameters: int | None = None
    snr: float | None = None
    snr_advice: dict[str, Any] | None = None  # set when the SNR is below the threshold

    def params(self) -> DpParams:
        """The ledger's record of this plan."""
        return DpParams(noise_multiplier=self.noise_multiplier, sample_rate=self.sample_rate, steps=self.steps,
                        max_grad_norm=self.max_grad_norm, delta=self.delta, accountant=self.accountant,
                        privacy_unit=self.privacy_unit, poisson=True, population=self.population,
                        expected_batch_size=self.expected_batch_size, target_epsilon=self.target_epsilon)

    def to_dict(self) -> dict[str, Any]:
        """Plain values, for ``config.json`` and events."""
        return asdict(self)

    def warnings(self) -> list[str]:
        """What a reviewer must know about the guarantee."""
        found = []
        if self.privacy_unit == "record" and self.several_records_per_patient:
            found.append("the guarantee is per record, not per patient: some patients have several records "
                         "(use --privacy-unit patient)")
        if self.snr is not None and self.snr_advice is not None and self.trainable_parameters is not None:
            from core.train.dp_snr import describe_advice

            found.append(describe_advice(self.snr, self.snr_advice, unit=self.privacy_unit, population=self.population,
                                         expected_batch=self.expected_batch_size, noise=self.noise_multiplier,
                                         trainable=self.trainable_parameters))
        return found


def schedule(config: TrainConfig, population: int, logical: int) -> tuple[float, int, int, float]:
    """``(sample rate, steps per epoch, steps, delta)`` of ``config``'s run with ``population``
    records (or patients) and a logical batch of ``logical``: the plan's own arithmetic, which
    the SNR advice re-runs for other sizes."""
    sample_rate = min(1.0, logical / population)
    steps_per_epoch = max(1, math.ceil(population / logical))
    steps = config.max_steps or config.epochs * steps_per_epoch
    delta = config.delta if config.delta is not None else default_delta(population)
    return sample_rate, steps_per_epoch, steps, delta


def plan_dp(config: TrainConfig, *, records: int, patients: int, trainable: int | None = None) -> DpPlan:
    """The DP plan for ``config`` on a training split of ``records`` records from ``patients``
    patients. Raises :class:`TrainError` for a delta of 1/N or more, or an unreachable epsilon.

    With ``trainable`` (the number of trainable parameters) the plan carries the SNR bound per
    step (:func:`core.train.dp_snr.snr_per_step`) and, below the threshold, the advice."""
    if not config.dp:
        raise TrainError("plan_dp is for --dp runs")
    population = patients if config.privacy_unit == "patient" else records
    if population < 1:
        raise TrainError(f"dataset {config.dataset} has no training {config.privacy_unit}s")
    logical = config.global_batch  # over every process: DPDDP samples the whole population at this rate
    sample_rate, steps_per_epoch, steps, delta = schedule(config, population, logical)
    if delta >= 1 / population:
        raise TrainError(f"--delta {delta:g} must be below 1/N = {1 / population:.3g} "
                         f"(N = {population} training {config.privacy_unit}s)")
    if config.noise_multiplier is not None:
        noise = config.noise_multiplier
    else:
        assert config.target_epsilon is not None
        try:
            noise = noise_for(config.target_epsilon, delta, sample_rate, steps, config.accountant)
        except ValueError as exc:
            raise TrainError(str(exc)) from None
    try:
        planned = epsilon_for([(noise, sample_rate, steps)], delta, config.accountant)
    except ValueError as exc:
        raise TrainError(str(exc)) from None
    snr = advice = None
    if trainable:
        from core.train.dp_snr import SNR_THRESHOLD, snr_advice, snr_per_step

        snr = snr_per_step(sample_rate * population, noise, trainable)
        if snr < SNR_THRESHOLD:
            advice = snr_advice(config, population=population, trainable=trainable, epsilon=planned, snr=snr)
    return DpPlan(privacy_unit=config.privacy_unit, population=population, records=records, sample_rate=sample_rate,
                  expected_batch_size=sample_rate * population, physical_batch_size=config.batch_size, steps=steps,
                  steps_per_epoch=steps_per_epoch, noise_multiplier=noise, max_grad_norm=config.max_grad_norm,
                  delta=delta, accountant=config.accountant, target_epsilon=config.target_epsilon,
                  planned_epsilon=planned, several_records_per_patient=records > patients,
                  trainable_parameters=trainable, snr=None if snr is None else round(snr, 4), snr_advice=advice)
