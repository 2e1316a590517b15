"""``bench/dp.py --part utility-scale``: the SNR meter's figures and the JSON lines of a toy run."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]


def _dp_step(noise: float, clip: float) -> tuple[torch.nn.Module, torch.Tensor, float]:
    """One Opacus step on a small linear model, metered; the model, the expected clipped sum
    (computed by hand from per-example gradients) and the batch size."""
    from opacus.grad_sample import GradSampleModule
    from opacus.optimizers import DPOptimizer

    from bench.dp_scale import SnrMeter

    torch.manual_seed(0)
    model = torch.nn.Linear(30, 4)
    x, y = torch.randn(16, 30), torch.randn(16, 4)
    by_hand = []
    for i in range(16):
        model.zero_grad()
        ((model(x[i:i + 1]) - y[i:i + 1]) ** 2).sum().backward()
        g = torch.cat([p.grad.flatten() for p in model.parameters()])
        by_hand.append(g * min(1.0, clip / (float(g.norm()) + 1e-6)))
    model.zero_grad()
    wrapped = GradSampleModule(model, loss_reduction="sum")
    optimizer = DPOptimizer(torch.optim.SGD(model.parameters(), lr=0.0), noise_multiplier=noise, max_grad_norm=clip,
                            expected_batch_size=16, loss_reduction="mean")
    meter = SnrMeter()
    meter.watch(optimizer)
    ((wrapped(x) - y) ** 2).sum().backward()
    optimizer.step()
    return meter, torch.stack(by_hand).sum(0), 16


def test_snr_meter_measures_the_clipped_sum_and_the_real_noise() -> None:
    meter, clipped_sum, _ = _dp_step(noise=2.0, clip=0.5)
    figures = meter.summary()
    d = 30 * 4 + 4
    assert meter.dimension == d and figures["snr_steps"] == 1
    assert figures["signal_norm"] == pytest.approx(float(clipped_sum.norm()), rel=1e-3)
    assert figures["noise_norm_expected"] == pytest.approx(2.0 * 0.5 * math.sqrt(d), rel=1e-3)
    assert 0.7 < figures["noise_norm"] / figures["noise_norm_expected"] < 1.3  # a real draw, chi with 124 dof
    assert figures["snr"] == pytest.approx(figures["signal_norm"] / figures["noise_norm"], rel=1e-3)


def test_no_noised_step_means_no_snr() -> None:
    from bench.dp_scale import SnrMeter

    assert SnrMeter().summary()["snr"] is None


@pytest.mark.slow
def test_toy_run_prints_a_line_per_setting_and_a_summary(tmp_path: Path) -> None:
    env = {**os.environ, "MEDSUM_KEYRING": "cryptfile", "MEDSUM_KEYRING_PASSPHRASE": "test",
           "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(ROOT / "bench/dp.py"), "--part", "utility-scale", "--scale", "toy",
                           "--device", "cpu"], capture_output=True, text=True, check=True, timeout=600, env=env,
                          cwd=tmp_path)
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [r.get("setting") for r in lines[:-1]] == ["inf", "eps8", "eps3", "eps1"]
    plain, *private = lines[:-1]
    assert plain["snr"] is None and plain["epsilon"] is None
    for row in lines[:-1]:
        assert row["before_val_loss"] > 0 and row["val_loss"] > 0 and 0 <= row["rougeL"] <= 1
    for row, target in zip(private, (8.0, 3.0, 1.0), strict=True):
        assert row["epsilon"] == pytest.approx(target, abs=0.05)
        assert row["snr"] > 0 and row["snr_steps"] == 2 and row["trainable_params"] > 0
        assert row["noise_norm"] == pytest.approx(row["noise_norm_expected"], rel=0.3)
    sigmas = [r["noise_multiplier"] for r in private]
    assert sigmas == sorted(sigmas)  # less epsilon, more noise
    summary = lines[-1]
    assert summary["bench"] == "dp-utility-scale-summary" and summary["logical_batch"] == 32
    assert summary["lora_targets"] == ["q_proj", "v_proj"] and "recovered_at_eps8" in summary


def test_scale_set_overrides_fields_and_names_a_bad_one() -> None:
    from bench.dp_scale import SCALES, override

    smoke = override(SCALES["full"], "records=3000,steps=1,learning_rate=0.05")
    assert (smoke.records, smoke.steps, smoke.learning_rate, smoke.logical_batch) == (3000, 1, 0.05, 1024)
    with pytest.raises(ValueError, match="no field 'bogus'"):
        override(SCALES["full"], "bogus=1")
    with pytest.raises(ValueError, match="steps='x' is not a number"):
        override(SCALES["full"], "steps=x")
