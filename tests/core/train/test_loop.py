"""The training loop on tiny in-memory models: learning, accumulation, early stopping,
checkpoints, resume to the same result, LoRA, events."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from peft import LoraConfig, TaskType, get_peft_model

from core.train.batching import Encoded
from core.train.config import TrainConfig
from core.train.loop import TrainingLoop
from tests.core.train.conftest import PAD, copy_task, tiny_bart, tiny_t5


def _config(**over: Any) -> TrainConfig:
    base = {"dataset": "d", "model": "m", "full": True, "epochs": 4, "batch_size": 8, "learning_rate": 3e-3,
            "checkpoint_every": 5, "seed": 7}
    return TrainConfig(**{**base, **over})


class _Stop(Exception):
    pass


def test_validation_loss_falls_and_every_epoch_is_validated(data: tuple[Encoded, Encoded]) -> None:
    train, val = data
    events: list[tuple[str, dict[str, Any]]] = []
    loop = TrainingLoop(tiny_bart(), train, val, _config(), pad_id=PAD, emit=lambda k, **f: events.append((k, f)))
    result = loop.run()
    epochs = [row["epoch"] for row in result.history]
    assert epochs == [0, 1, 2, 3, 4]  # once before training, then after each epoch
    losses = [row["val_loss"] for row in result.history]
    assert losses == sorted(losses, reverse=True) and losses[-1] < 0.85 * losses[0]
    assert result.progress.step == loop.total_steps == 4 * 8
    step = [f for k, f in events if k == "step"][-1]
    assert set(step) >= {"step", "total_steps", "epoch", "loss", "lr", "samples_per_s", "eta_s"}


def test_gradient_accumulation_counts_optimizer_steps(data: tuple[Encoded, Encoded]) -> None:
    train, val = copy_task(40, 1), copy_task(8, 2)  # 5 batches of 8 a epoch
    loop = TrainingLoop(tiny_bart(), train, val, _config(grad_accum=2, epochs=2), pad_id=PAD)
    assert loop.steps_per_epoch == 3
    assert loop.run().progress.step == 6


def test_max_steps_overrides_epochs_and_stops_mid_epoch(data: tuple[Encoded, Encoded]) -> None:
    train, val = data
    loop = TrainingLoop(tiny_bart(), train, val, _config(max_steps=5), pad_id=PAD)
    result = loop.run()
    assert result.progress.step == 5
    assert result.history[-1]["epoch"] == 1  # the partial epoch is validated too


def test_early_stopping_after_patience_epochs_without_improvement(data: tuple[Encoded, Encoded]) -> None:
    train, val = data
    loop = TrainingLoop(tiny_bart(), train, val, _config(learning_rate=1e-12, epochs=10, patience=2), pad_id=PAD)
    result = loop.run()
    assert result.stopped_early
    assert result.progress.epoch == 2
    assert result.history[-1]["early_stop"]


def test_an_interrupted_run_resumes_to_the_same_weights(tmp_path: Path, data: tuple[Encoded, Encoded]) -> None:
    train, val = data
    config = _config(epochs=2)
    straight = TrainingLoop(tiny_bart(), train, val, config, pad_id=PAD, run_dir=tmp_path / "a")
    (tmp_path / "a").mkdir()
    straight.run()

    (tmp_path / "b").mkdir()

    def stop_at_7(kind: str, **fields: Any) -> None:
        if kind == "step" and fields["step"] == 7:
            raise _Stop  # as if killed after step 7; the last checkpoint is step 5

    first = TrainingLoop(tiny_bart(), train, val, config, pad_id=PAD, run_dir=tmp_path / "b", emit=stop_at_7)
    with pytest.raises(_Stop):
        first.run()
    again = TrainingLoop(tiny_bart(seed=99), train, val, config, pad_id=PAD, run_dir=tmp_path / "b")
    assert again.resume()
    assert again.progress.step == 5
    result = again.run()
    assert result.progress.step == straight.total_steps
    for (name, a), (_, b) in zip(straight.model.named_parameters(), again.model.named_parameters(), strict=True):
        assert torch.allclose(a, b, atol=1e-6), name


def test_a_checkpoint_for_another_plan_is_refused(tmp_path: Path, data: tuple[Encoded, Encoded]) -> None:
    train, val = data
    TrainingLoop(tiny_bart(), train, val, _config(max_steps=5), pad_id=PAD, run_dir=tmp_path).run()
    other = TrainingLoop(tiny_bart(), train, val, _config(max_steps=9), pad_id=PAD, run_dir=tmp_path)
    with pytest.raises(ValueError, match="plans 5 steps"):
        other.resume()


def test_lora_trains_only_the_adapter(data: tuple[Encoded, Encoded]) -> None:
    train, val = data
    model = get_peft_model(tiny_t5(), LoraConfig(task_type=TaskType.SEQ_2_SEQ_LM, r=4, lora_alpha=8, target_modules=["q", "v"]))
    frozen = {n: p.detach().clone() for n, p in model.named_parameters() if not p.requires_grad}
    adapter = {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}
    loop = TrainingLoop(model, train, val, _config(full=False, max_steps=4), pad_id=0)
    loop.run()
    assert all(torch.equal(frozen[n], p.detach().cpu()) for n, p in model.named_parameters() if n in frozen)
    assert adapter and all("lora_" in n for n in adapter)
    assert any(not torch.equal(adapter[n], p.detach().cpu()) for n, p in model.named_parameters() if n in adapter)


def test_the_learning_rate_warms_up_then_decays_linearly(data: tuple[Encoded, Encoded]) -> None:
    train, val = data
    lrs: list[float] = []
    config = _config(max_steps=8, warmup_ratio=0.25, learning_rate=1e-3)
    loop = TrainingLoop(tiny_bart(), train, val, config,
                        pad_id=PAD, emit=lambda k, **f: lrs.append(f["lr"]) if k == "step" else None)
    loop.run()
    # the lr after each step: 2 warmup steps up to 1e-3, then linearly down to 0 at step 8
    assert lrs == pytest.approx([5e-4, 1e-3, 1e-3 * 5 / 6, 1e-3 * 4 / 6, 1e-3 * 3 / 6, 1e-3 * 2 / 6, 1e-3 / 6, 0.0])


def test_an_empty_training_split_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        TrainingLoop(tiny_bart(), Encoded([], []), Encoded([], []), _config(), pad_id=PAD)


@pytest.mark.parametrize(("cuda", "bf16", "precision", "expected"), [
    (False, False, "auto", ("cpu", None)),
    (True, True, "auto", ("cuda", torch.bfloat16)),
    (True, False, "auto", ("cuda", None)),  # an older GPU: fp32, never fp16
    (True, True, "fp32", ("cuda", None)),
])
def test_device_and_precision_choice(monkeypatch: pytest.MonkeyPatch, cuda: bool, bf16: bool, precision: str,
                                     expected: tuple[str, torch.dtype | None]) -> None:
    from core.train.loop import pick_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: bf16)
    device, dtype = pick_device(_config(precision=precision))
    assert (device.type, dtype) == expected


def test_cuda_or_bf16_asked_for_without_them_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from core.train.loop import pick_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="no CUDA device"):
        pick_device(_config(device="cuda"))
    with pytest.raises(RuntimeError, match="bfloat16"):
        pick_device(_config(precision="bf16"))
