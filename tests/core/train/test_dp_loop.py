"""The training loop under DP-SGD: Poisson steps with epsilon in the events, nothing from
un-noised gradients logged, the LoRA weights change, validation without hooks, resume."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from peft import LoraConfig, TaskType, get_peft_model

from core.train.config import TrainConfig, TrainError
from core.train.dp_plan import plan_dp
from core.train.loop import TrainingLoop
from privacy.accounting import epsilon_for
from tests.core.train.conftest import PAD, tiny_bart, tiny_t5


def _config(**overrides: object) -> TrainConfig:
    values: dict[str, object] = {"dataset": "d", "model": "m", "batch_size": 4, "grad_accum": 2, "epochs": 2,
                                 "dp": True, "noise_multiplier": 0.8, "learning_rate": 5e-3, "seed": 1,
                                 "checkpoint_every": 3}
    values.update(overrides)
    return TrainConfig(**values)  # type: ignore[arg-type]


def _lora(model: torch.nn.Module, targets: list[str]) -> torch.nn.Module:
    return get_peft_model(model, LoraConfig(task_type=TaskType.SEQ_2_SEQ_LM, r=4, lora_alpha=8, target_modules=targets))


@pytest.mark.parametrize("make, targets", [(tiny_bart, ["q_proj", "v_proj"]), (tiny_t5, ["q", "v"])])
def test_dp_loop_spends_what_it_planned_and_changes_the_adapter(make, targets, data, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    train, validation = data
    config = _config()
    plan = plan_dp(config, records=len(train), patients=len(train))
    events: list[tuple[str, dict[str, object]]] = []
    model = _lora(make(), targets)
    before = {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}
    loop = TrainingLoop(model, train, validation, config, pad_id=PAD, run_dir=tmp_path, dp_plan=plan,
                        emit=lambda kind, **fields: events.append((kind, fields)))
    assert loop.total_steps == plan.steps == 2 * 8  # 64 records, expected batch 8: 8 steps an epoch
    result = loop.run()
    assert result.progress.step == plan.steps
    assert loop.engine.steps_taken == plan.steps
    assert abs(loop.epsilon() - plan.planned_epsilon) < 1e-9
    steps = [f for kind, f in events if kind == "step"]
    assert steps[-1]["epsilon"] == round(plan.planned_epsilon, 4)
    assert len({f["batch"] for f in steps}) > 1  # Poisson: the batch size varies
    forbidden = {"grad_norm", "gradient_norm", "norm"}
    assert not any(forbidden & set(f) for _, f in events)
    assert [f["epoch"] for kind, f in events if kind == "epoch"] == [0, 1, 2]
    assert any(not torch.equal(before[n].cpu(), p.detach().cpu()) for n, p in model.named_parameters() if p.requires_grad)
    assert (tmp_path / "checkpoints" / f"step-{plan.steps:06d}" / "complete.json").is_file()


def test_dp_loop_resumes_and_counts_earlier_steps(data, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    train, validation = data
    config = _config(max_steps=6)
    plan = plan_dp(config, records=len(train), patients=len(train))
    first = TrainingLoop(_lora(tiny_bart(), ["q_proj", "v_proj"]), train, validation, config, pad_id=PAD,
                         run_dir=tmp_path, dp_plan=plan)
    first.total_steps = 3  # stop half-way (the checkpoint still plans 6), as a kill after step 3 would
    first.run()
    second = TrainingLoop(_lora(tiny_bart(), ["q_proj", "v_proj"]), train, validation, config, pad_id=PAD,
                          run_dir=tmp_path, dp_plan=plan, dp_steps_before=4)  # one step after the checkpoint was lost
    assert second.resume() and second.progress.step == 3
    second.run(evaluate_first=False)
    assert second.engine.steps_taken == 3
    expected = epsilon_for([(plan.noise_multiplier, plan.sample_rate, 4 + 3)], plan.delta)
    assert abs(second.epsilon() - expected) < 1e-9


def test_patient_unit_samples_patients(data) -> None:  # type: ignore[no-untyped-def]
    train, validation = data
    groups = [list(range(i, i + 4)) for i in range(0, 64, 4)]  # 16 patients with 4 records each
    config = _config(privacy_unit="patient", max_steps=4, batch_size=2, grad_accum=1)
    plan = plan_dp(config, records=64, patients=16)
    assert plan.population == 16 and plan.sample_rate == 2 / 16 and plan.warnings() == []
    record_plan = plan_dp(_config(max_steps=4), records=64, patients=16)
    assert "per record, not per patient" in record_plan.warnings()[0]
    picked: list[list[int]] = []
    loop = TrainingLoop(_lora(tiny_t5(), ["q", "v"]), train, validation, config, pad_id=PAD, dp_plan=plan,
                        patient_groups=groups)
    original = loop._dp_sample
    loop._dp_sample = lambda generator: picked.append(original(generator)) or picked[-1]  # type: ignore[method-assign]
    loop.run(evaluate_first=False)
    for batch in picked:
        assert len({i // 4 for i in batch}) == len(batch)
    with pytest.raises(ValueError, match="patient groups"):
        TrainingLoop(_lora(tiny_t5(), ["q", "v"]), train, validation, config, pad_id=PAD, dp_plan=plan)


def test_plan_refuses_delta_of_one_over_n_and_defaults_below_it() -> None:
    with pytest.raises(TrainError, match="below 1/N"):
        plan_dp(_config(delta=0.01), records=100, patients=100)
    plan = plan_dp(_config(), records=100, patients=100)
    assert plan.delta < 1 / 100


def test_plan_from_a_target_epsilon_stays_within_it() -> None:
    plan = plan_dp(_config(noise_multiplier=None, target_epsilon=3.0, epochs=3), records=500, patients=500)
    assert plan.planned_epsilon <= 3.0
    assert plan.planned_epsilon > 2.9  # the noise is not needlessly large
    assert plan.steps == 3 * 63


def test_config_needs_one_noise_setting_under_dp() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        _config(noise_multiplier=None)
    with pytest.raises(ValueError, match="need --dp"):
        TrainConfig(dataset="d", model="m", target_epsilon=3.0)


def test_empty_poisson_batches_still_step_and_validation_runs_without_hooks(data) -> None:  # type: ignore[no-untyped-def]
    train, validation = data
    config = _config(max_steps=4, epochs=1)
    plan = plan_dp(config, records=len(train), patients=len(train))
    model = _lora(tiny_bart(), ["q_proj", "v_proj"])
    before = {n: p.detach().cpu().clone() for n, p in model.named_parameters() if p.requires_grad}
    events: list[tuple[str, dict[str, object]]] = []
    loop = TrainingLoop(model, train, validation, config, pad_id=PAD, dp_plan=plan,
                        emit=lambda kind, **fields: events.append((kind, fields)))
    loop._dp_sample = lambda generator: []  # type: ignore[method-assign]  # every batch empty
    hooks_during_validation = []
    original = loop._validation_loss
    loop._validation_loss = lambda: hooks_during_validation.append(loop.engine.hooks.hooks_enabled) or original()  # type: ignore[method-assign]
    loop.run()
    assert loop.engine.steps_taken == 4  # every empty step counted by the accountant
    assert [f["batch"] for kind, f in events if kind == "step"] == [0, 0, 0, 0]
    assert all(f["loss"] is None for kind, f in events if kind == "step")
    assert any(not torch.equal(before[n], p.detach().cpu()) for n, p in model.named_parameters() if p.requires_grad)
    assert hooks_during_validation and not any(hooks_during_validation)
