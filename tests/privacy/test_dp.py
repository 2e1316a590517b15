"""DP-SGD engine: per-sequence loss, per-sample gradients independent of batchmates, empty
Poisson batches, physical chunks, what full fine-tuning must freeze, and hooks without a wrapper."""

from __future__ import annotations

import copy

import pytest
import torch
from peft import LoraConfig, TaskType, get_peft_model

from privacy.dp import (
    DpEngine,
    DpError,
    check_trainable_supported,
    freeze_for_full_dp,
    os_seeded_generator,
    patient_sample,
    poisson_sample,
    sequence_loss_sum,
)
from tests.core.train.conftest import PAD, copy_task, tiny_bart, tiny_t5


def _lora(model: torch.nn.Module, targets: list[str]) -> torch.nn.Module:
    config = LoraConfig(task_type=TaskType.SEQ_2_SEQ_LM, r=4, lora_alpha=8, lora_dropout=0.0, target_modules=targets)
    lora = get_peft_model(model, config)
    for name, p in lora.named_parameters():  # lora_B starts at zero; make every gradient non-trivial
        if "lora_B" in name:
            torch.nn.init.normal_(p, std=0.02)
    for module in lora.modules():  # train mode (the hooks need it) but deterministic: no dropout
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.0
        for attr in ("dropout", "activation_dropout", "attention_dropout"):  # BART keeps rates as floats
            if isinstance(getattr(module, attr, None), float):
                setattr(module, attr, 0.0)
    return lora.train()


def _batch(indices: list[int], *, seed: int = 3) -> dict[str, torch.Tensor]:
    from core.train.batching import collate

    return collate(copy_task(8, seed), indices, PAD)


def _trainable(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}


def test_sequence_loss_sum_is_the_sum_of_each_sequences_mean() -> None:
    logits = torch.randn(2, 3, 5)
    labels = torch.tensor([[1, 2, -100], [4, 0, 3]])
    token = torch.nn.functional.cross_entropy(logits.reshape(-1, 5), labels.reshape(-1), ignore_index=-100,
                                              reduction="none").view(2, 3)
    expected = token[0, :2].mean() + token[1].mean()
    assert torch.allclose(sequence_loss_sum(logits, labels), expected)


@pytest.mark.parametrize("make, targets", [(tiny_bart, ["q_proj", "v_proj"]), (tiny_t5, ["q", "v"])])
def test_per_sample_gradients_do_not_depend_on_batchmates(make, targets) -> None:  # type: ignore[no-untyped-def]
    """Example 0's per-sample gradient in a batch with a much longer example equals its
    gradient alone: the built-in batch-mean loss would scale it by the batchmate's length."""
    model = _lora(make(), targets)
    engine = DpEngine(model, torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1),
                      noise_multiplier=1.0, max_grad_norm=1.0, sample_rate=0.5, expected_batch_size=2)
    data = copy_task(8, 3)
    short, long = sorted(range(8), key=lambda i: len(data.labels[i]) + len(data.input_ids[i]))[::7]
    batch = _batch([short, long])
    sequence_loss_sum(model(**batch).logits, batch["labels"]).backward()
    together = {n: p.grad_sample[0].clone() for n, p in model.named_parameters() if p.requires_grad}
    engine.optimizer.zero_grad(set_to_none=True)
    alone = _batch([short])
    sequence_loss_sum(model(**alone).logits, alone["labels"]).backward()
    for name, p in model.named_parameters():
        if p.requires_grad:
            assert torch.allclose(together[name], p.grad_sample[0], atol=1e-6), name


def test_an_empty_poisson_batch_still_takes_a_noised_counted_step() -> None:
    model = _lora(tiny_bart(), ["q_proj", "v_proj"])
    engine = DpEngine(model, torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1),
                      noise_multiplier=1.0, max_grad_norm=1.0, sample_rate=0.01, expected_batch_size=1)
    before = _trainable(model)
    engine.step()  # no chunk at all
    assert engine.steps_taken == 1
    assert all(not torch.equal(before[n], p) for n, p in model.named_parameters() if p.requires_grad)
    assert engine.epsilon(1e-5) > 0


def test_physical_chunks_add_up_to_one_logical_step() -> None:
    """Without noise, two chunks of two give exactly the update of one batch of four."""
    results = []
    for chunks in ([[0, 1, 2, 3]], [[0, 1], [2, 3]]):
        model = _lora(tiny_bart(), ["q_proj", "v_proj"])
        engine = DpEngine(model, torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=1.0),
                          noise_multiplier=0.0, max_grad_norm=0.05, sample_rate=0.5, expected_batch_size=4)
        for k, chunk in enumerate(chunks):
            batch = _batch(chunk)
            sequence_loss_sum(model(**batch).logits, batch["labels"]).backward()
            if k < len(chunks) - 1:
                engine.accumulate()
        engine.step()
        assert engine.steps_taken == 1
        results.append(_trainable(model))
    for name, value in results[0].items():
        assert torch.allclose(value, results[1][name], atol=1e-6), name


def test_full_fine_tuning_freezes_what_per_sample_gradients_cannot_cover() -> None:
    bart = tiny_bart()
    with pytest.raises(DpError, match="shares its weight"):
        check_trainable_supported(bart)
    frozen = freeze_for_full_dp(bart)
    assert "model.shared.weight" in frozen
    assert any("embed_positions" in name for name in frozen)
    check_trainable_supported(bart)

    t5 = tiny_t5()
    frozen = freeze_for_full_dp(t5)
    assert any("relative_attention_bias" in name for name in frozen)
    check_trainable_supported(t5)
    assert any(p.requires_grad for p in t5.parameters())


def test_a_trainable_module_with_buffers_is_refused_by_name() -> None:
    model = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.BatchNorm1d(3))
    with pytest.raises(DpError, match=r"1 \(BatchNorm1d\).*buffers"):
        check_trainable_supported(model)


def test_lora_under_dp_keeps_generate_and_plain_adapter_names() -> None:
    model = _lora(tiny_bart(), ["q_proj", "v_proj"])
    plain_keys = set(model.state_dict())
    engine = DpEngine(model, torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1),
                      noise_multiplier=1.0, max_grad_norm=1.0, sample_rate=0.5, expected_batch_size=2)
    batch = _batch([0, 1])
    sequence_loss_sum(model(**batch).logits, batch["labels"]).backward()
    engine.step()
    with engine.hooks_off(), torch.no_grad():
        model.eval()
        out = model.generate(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], max_new_tokens=4)
    assert out.shape[0] == 2
    engine.detach()
    assert set(model.state_dict()) == plain_keys  # no _module. prefix: saves like a non-private run


def test_poisson_sampling_by_record_and_by_patient() -> None:
    generator = os_seeded_generator()
    sizes = [len(poisson_sample(1000, 0.05, generator)) for _ in range(200)]
    assert 40 < sum(sizes) / len(sizes) < 60
    assert len(set(sizes)) > 5  # the batch size varies, as Poisson sampling must
    assert any(len(poisson_sample(10, 0.05, generator)) == 0 for _ in range(200))
    groups = [[0, 1, 2], [3], [4, 5]]
    for _ in range(100):
        picked = patient_sample(groups, 0.7, generator)
        owners = [next(g for g, members in enumerate(groups) if i in members) for i in picked]
        assert len(owners) == len(set(owners))  # at most one record per patient per step


def test_generators_are_not_reproducible_from_the_run_seed() -> None:
    torch.manual_seed(0)
    a = torch.rand(4, generator=os_seeded_generator())
    torch.manual_seed(0)
    b = torch.rand(4, generator=os_seeded_generator())
    assert not torch.equal(a, b)


def test_engine_state_is_the_inner_optimizers() -> None:
    model = _lora(tiny_t5(), ["q", "v"])
    inner = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=0.1)
    engine = DpEngine(model, inner, noise_multiplier=1.0, max_grad_norm=1.0, sample_rate=0.5, expected_batch_size=2)
    engine.step()
    assert engine.state_dict().keys() == copy.deepcopy(inner.state_dict()).keys()
