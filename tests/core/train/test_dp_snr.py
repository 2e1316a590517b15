"""The pre-flight's signal-to-noise bound per DP step and its advice (issue 22, item 4)."""

from __future__ import annotations

import math

import pytest

from core.train.config import TrainConfig
from core.train.dp_plan import plan_dp
from core.train.dp_snr import SNR_THRESHOLD, snr_per_step


def _config(**overrides: object) -> TrainConfig:
    values: dict[str, object] = {"dataset": "d", "model": "m", "batch_size": 8, "grad_accum": 2, "max_steps": 5,
                                 "dp": True, "target_epsilon": 8.0, "accountant": "rdp", "lora_r": 16}
    values.update(overrides)
    return TrainConfig(**values)  # type: ignore[arg-type]


def test_snr_is_the_expected_batch_over_noise_times_root_d() -> None:
    assert snr_per_step(100, 1.0, 10_000) == pytest.approx(1.0)  # 100 / (1 x 100)
    assert snr_per_step(64, 2.0, 1_024) == pytest.approx(1.0)  # 64 / (2 x 32)
    # The benchmark: 480 records, logical batch 64, noise 0.77, 147k LoRA parameters.
    # 64 / (0.77 x 383.41) = 0.2168: the aligned bound; the measured SNR was 0.014 (about 1/16 of it).
    assert snr_per_step(64, 0.77, 147_000) == pytest.approx(0.2168, abs=1e-4)
    with pytest.raises(ValueError):
        snr_per_step(64, 0.0, 10)


def test_a_too_small_dataset_is_warned_with_advice_in_numbers() -> None:
    plan = plan_dp(_config(), records=60, patients=60, trainable=147_456)
    assert plan.snr == pytest.approx(16 / (plan.noise_multiplier * math.sqrt(147_456)), abs=1e-4)
    assert plan.snr < SNR_THRESHOLD
    advice = plan.snr_advice
    assert advice is not None
    assert advice["records"] is None  # 16 / (0.3 x 384) < 1: no dataset size is enough at this batch
    assert advice["logical_batch"] > 16 and advice["logical_batch_snr"] > plan.snr
    assert advice["grad_accum"] * 8 >= advice["logical_batch"]
    assert advice["lora_r"] < 16 and advice["lora_r_snr"] > plan.snr
    warning = [w for w in plan.warnings() if "signal-to-noise" in w]
    assert len(warning) == 1
    assert "no number of training records reaches 1" in warning[0]
    assert f"a logical batch of {advice['logical_batch']}" in warning[0]
    assert f"LoRA rank {advice['lora_r']} (now 16)" in warning[0]


@pytest.mark.slow  # a dozen accountant searches: about 15 s on two shared cores
def test_more_records_are_advised_when_they_would_reach_the_threshold() -> None:
    plan = plan_dp(_config(batch_size=64, grad_accum=1, lora_r=4), records=300, patients=300, trainable=20_000)
    assert plan.snr is not None and plan.snr < SNR_THRESHOLD
    assert plan.snr_advice is not None and plan.snr_advice["records"] is not None
    assert plan.snr_advice["records"] > 300
    at_advice = plan_dp(_config(batch_size=64, grad_accum=1, lora_r=4), records=plan.snr_advice["records"],
                        patients=plan.snr_advice["records"], trainable=20_000)
    assert at_advice.snr is not None and at_advice.snr >= SNR_THRESHOLD * 0.9  # same accountant (rdp) here


def test_a_large_enough_run_gets_no_snr_warning() -> None:
    plan = plan_dp(_config(batch_size=64, grad_accum=16), records=100_000, patients=100_000, trainable=1_536)
    assert plan.snr is not None and plan.snr >= SNR_THRESHOLD
    assert plan.snr_advice is None
    assert not any("signal-to-noise" in w for w in plan.warnings())
    assert plan.to_dict()["snr"] == plan.snr


def test_without_a_parameter_count_there_is_no_snr() -> None:
    plan = plan_dp(_config(), records=200, patients=200)
    assert plan.snr is None and plan.trainable_parameters is None and plan.warnings() == []
