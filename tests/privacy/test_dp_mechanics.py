"""DP-SGD mechanics with the noise turned (almost) off: a DP step is per-sample clipped SGD, every
trainable LoRA tensor gets a per-sample gradient and moves on every step, the frozen base never
moves, and the training loop wires its optimizer to those tensors (issue 22, item 1).

The noise multiplier is 1e-6, below the 0.3 the CLI accepts, so the engine and the loop are
driven directly. At that noise the step's noise has norm about 1e-6 x C x sqrt(d) / B, a
millionth of the largest possible update, so a relative tolerance of 1e-3 on the update leaves a
factor of 1000 for float32 rounding and still tells clipped from unclipped gradients (their
updates differ by far more, which the first test also checks).
"""

from __future__ import annotations

import copy
from dataclasses import replace

import torch

from core.train.batching import collate
from core.train.config import TrainConfig
from core.train.dp_plan import plan_dp
from core.train.loop import TrainingLoop
from privacy.dp import DpEngine, sequence_loss_sum
from tests.core.train.conftest import PAD, copy_task, tiny_bart
from tests.privacy.test_dp import _lora

NEAR_ZERO = 1e-6
CLIP = 0.005  # small enough that every example's gradient is clipped (asserted below)
BATCHES = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]


def _adapter(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in model.named_parameters() if "lora_" in n}


def _frozen(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in model.named_parameters() if not p.requires_grad}


def _clipped_sum(model: torch.nn.Module, batch: dict[str, torch.Tensor], clip: float | None) -> dict[str, torch.Tensor]:
    """Each example's gradient alone, clipped to ``clip`` in total norm (None: not clipped), summed."""
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    total = {n: torch.zeros_like(p) for n, p in model.named_parameters() if p.requires_grad}
    for i in range(batch["input_ids"].shape[0]):
        one = {k: v[i:i + 1] for k, v in batch.items()}
        model.zero_grad(set_to_none=True)
        sequence_loss_sum(model(**one).logits, one["labels"]).backward()
        grads = {n: p.grad.detach().clone() for n, p in model.named_parameters() if n in names}
        norm = torch.sqrt(sum((g ** 2).sum() for g in grads.values()))
        assert clip is None or norm > clip  # clipping really binds: the comparison is not vacuous
        factor = 1.0 if clip is None else min(1.0, clip / float(norm))
        for n, g in grads.items():
            total[n] += g * factor
    return total


def test_near_zero_noise_dp_steps_are_per_sample_clipped_sgd() -> None:
    data = copy_task(16, 3)
    dp_model = _lora(tiny_bart(), ["q_proj", "v_proj"])
    reference, unclipped = copy.deepcopy(dp_model), copy.deepcopy(dp_model)
    lr = 1.0
    engine = DpEngine(dp_model, torch.optim.SGD([p for p in dp_model.parameters() if p.requires_grad], lr=lr),
                      noise_multiplier=NEAR_ZERO, max_grad_norm=CLIP, sample_rate=0.25, expected_batch_size=4)
    for indices in BATCHES:
        batch = collate(data, indices, PAD)
        before = _adapter(dp_model)
        sequence_loss_sum(dp_model(**batch).logits, batch["labels"]).backward()
        engine.step()
        dp_update = {n: p.detach() - before[n] for n, p in _adapter(dp_model).items()}
        for model, clip in ((reference, CLIP), (unclipped, None)):
            summed = _clipped_sum(model, batch, clip)
            with torch.no_grad():
                for n, p in model.named_parameters():
                    if p.requires_grad:
                        p -= lr * summed[n] / 4  # Opacus divides the noised sum by the expected batch
        ref_update = {n: p.detach() - before[n] for n, p in _adapter(reference).items()}
        raw_update = {n: p.detach() - before[n] for n, p in _adapter(unclipped).items()}
        gap = torch.sqrt(sum(((dp_update[n] - ref_update[n]) ** 2).sum() for n in ref_update))
        size = torch.sqrt(sum((u ** 2).sum() for u in ref_update.values()))
        raw_gap = torch.sqrt(sum(((raw_update[n] - ref_update[n]) ** 2).sum() for n in ref_update))
        assert gap <= 1e-3 * size, f"DP update off clipped SGD by {float(gap / size):.2e} (relative)"
        assert raw_gap > 0.1 * size  # without clipping the update is far off: the tolerance discriminates
        for model in (reference, unclipped):  # the next step starts from the same point
            with torch.no_grad():
                for n, p in model.named_parameters():
                    if n in before:
                        p.copy_(dict(dp_model.named_parameters())[n])


def test_every_dp_step_gives_the_adapter_per_sample_gradients_and_moves_it() -> None:
    data = copy_task(16, 3)
    model = _lora(tiny_bart(), ["q_proj", "v_proj"])
    frozen = _frozen(model)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all("lora_A" in n or "lora_B" in n for n in trainable)
    engine = DpEngine(model, torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2),
                      noise_multiplier=NEAR_ZERO, max_grad_norm=CLIP, sample_rate=0.25, expected_batch_size=4)
    for step, indices in enumerate(BATCHES, 1):
        batch = collate(data, indices, PAD)
        before = _adapter(model)
        sequence_loss_sum(model(**batch).logits, batch["labels"]).backward()
        for n, p in model.named_parameters():
            if p.requires_grad:
                sample = getattr(p, "grad_sample", None)
                assert sample is not None, f"step {step}: no per-sample gradient for {n}"
                assert sample.shape == (len(indices), *p.shape), n
                assert all(float(s.abs().sum()) > 0 for s in sample), f"step {step}: a zero per-sample gradient for {n}"
            else:
                assert getattr(p, "grad_sample", None) is None, n
        engine.step()
        after = _adapter(model)
        still = [n for n in before if torch.equal(before[n], after[n])]
        assert not still, f"step {step}: the adapter tensors {still} did not move"
    assert all(torch.equal(v, dict(model.named_parameters())[n]) for n, v in frozen.items())


def test_the_dp_loop_moves_the_adapter_on_every_step_and_never_the_base() -> None:
    """Through :class:`TrainingLoop` (its own optimizer and engine), at near-zero noise and with
    fixed batches: each step moves every LoRA tensor, nothing else moves, and the loss falls."""
    train, validation = copy_task(64, 1), copy_task(16, 2)
    config = TrainConfig(dataset="d", model="m", batch_size=4, grad_accum=2, max_steps=12, dp=True,
                         noise_multiplier=1.0, learning_rate=5e-3, warmup_ratio=0.0, max_grad_norm=1.0,
                         checkpoint_every=10**6)
    plan = replace(plan_dp(config, records=len(train), patients=len(train)), noise_multiplier=NEAR_ZERO)
    model = _lora(tiny_bart(), ["q_proj", "v_proj"])
    frozen, last = _frozen(model), [_adapter(model)]
    problems: list[str] = []
    losses: list[float] = []

    def on_event(kind: str, **fields: object) -> None:
        if kind != "step":
            return
        now = _adapter(model)
        still = [n for n in now if torch.equal(now[n], last[0][n])]
        if still:
            problems.append(f"step {fields['step']}: {len(still)} adapter tensors did not move")
        last[0] = now
        losses.append(float(fields["loss"]))  # type: ignore[arg-type]

    loop = TrainingLoop(model, train, validation, config, pad_id=PAD, dp_plan=plan, emit=on_event)
    fixed = [list(range(k * 8, k * 8 + 8)) for k in range(8)]
    loop._dp_sample = lambda generator: fixed[loop.progress.step % len(fixed)]  # type: ignore[method-assign]
    loop.epsilon = lambda: 0.0  # type: ignore[method-assign]  # no accountant answers for noise 1e-6
    loop.run(evaluate_first=False)
    assert len(losses) == 12 and not problems, problems
    assert all(torch.equal(v.cpu(), dict(model.named_parameters())[n].detach().cpu()) for n, v in frozen.items())
    assert sum(losses[-4:]) < sum(losses[:4])  # the same batches come round again: they fit better
