"""Two gloo processes do the same arithmetic as one: DDP's averaged step equals one process
accumulating both shares, and DPDDP's clipped, summed step (no noise, every record drawn)
equals one process's step on the whole batch. A run whose ranks trained apart, or whose
distributed DP optimizer scaled by the wrong batch, fails here."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.multiprocessing as mp

from core.train.batching import collate
from core.train.config import TrainConfig
from core.train.distributed import DistContext
from core.train.loop import TrainingLoop
from tests.core.train.conftest import PAD, copy_task, tiny_t5

pytestmark = pytest.mark.slow

STEPS = 3


def _model() -> torch.nn.Module:
    """The tiny T5 without dropout: its masks come from each process's own random stream."""
    return tiny_t5(dropout=0.0)


def _ddp_loop(dist: DistContext | None) -> dict[str, torch.Tensor]:
    """The weights after STEPS full fine-tuning steps: two batches a step, one per process under
    ``dist``, else both accumulated by one process."""
    config = TrainConfig(dataset="d", model="m", full=True, batch_size=4, max_steps=STEPS, learning_rate=1e-2,
                         device="cpu", grad_accum=1 if dist else 2, nproc=2 if dist else 1)
    loop = TrainingLoop(_model(), copy_task(32, 1), copy_task(8, 2), config, pad_id=PAD, dist=dist)
    loop.run()
    return {name: p.detach().clone() for name, p in loop.model.named_parameters()}


def _dp_step(dist: DistContext | None) -> dict[str, torch.Tensor]:
    """The weights after one SGD step of DP-SGD with no noise and every record drawn (q = 1):
    each process's share under ``dist``, else the whole batch."""
    from privacy.dp import DpEngine, freeze_for_full_dp, sequence_loss_sum

    model = _model()
    freeze_for_full_dp(model)
    train = copy_task(12, 3)
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.5)
    engine = DpEngine(model, optimizer, noise_multiplier=0.0, max_grad_norm=0.5, sample_rate=1.0,
                      expected_batch_size=len(train), world_size=dist.world_size if dist else 1)
    mine = list(range(len(train)))[dist.rank::dist.world_size] if dist else list(range(len(train)))
    batch = collate(train, mine, PAD)
    sequence_loss_sum(model(**batch).logits, batch["labels"]).backward()
    engine.step()
    engine.detach()
    return {name: p.detach().clone() for name, p in model.named_parameters()}


def _rank(rank: int, store: str, out: str) -> None:
    torch.set_num_threads(1)
    torch.distributed.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=2)
    try:
        dist = DistContext(rank=rank, world_size=2, backend="gloo")
        torch.save({"ddp": _ddp_loop(dist), "dp": _dp_step(dist)}, f"{out}/rank{rank}.pt")
    finally:
        torch.distributed.destroy_process_group()


def test_two_processes_step_as_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GLOO_SOCKET_IFNAME", "lo")
    mp.spawn(_rank, args=(str(tmp_path / "store"), str(tmp_path)), nprocs=2, join=True)
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in range(2)]
    single = {"ddp": _ddp_loop(None), "dp": _dp_step(None)}
    for kind in ("ddp", "dp"):
        start = tiny_t5().state_dict()
        assert any(not torch.equal(start[n], w) for n, w in single[kind].items() if n in start)  # it trained
        for name, weight in single[kind].items():
            assert torch.equal(ranks[0][kind][name], ranks[1][kind][name]), (kind, name)  # the ranks agree
            torch.testing.assert_close(ranks[0][kind][name], weight, rtol=1e-4, atol=1e-5)
