"""The pieces of data-parallel training that need no process group: how batches are dealt
to the ranks, the DP plan of the global batch, and each worker's command and environment."""

from __future__ import annotations

import sys
from types import SimpleNamespace

import pytest

from core.train.config import TrainConfig
from core.train.distributed import DistContext, shard
from core.train.launch import STORE_ENV, worker_command, worker_env
from privacy.offline import install_network_guard
from core.train.loop import TrainingLoop


def _deal(batches: list[list[int]], world: int, accum: int) -> list[list[tuple[int, list[list[int]], int]]]:
    """What each rank gets from ``_groups`` for the epoch's ``batches``."""
    return [list(TrainingLoop._groups(SimpleNamespace(per_step=accum * world,  # type: ignore[arg-type]
                                                       dist=DistContext(rank=r, world_size=world)), batches, 0))
            for r in range(world)]


def test_every_batch_is_trained_once_and_every_rank_takes_as_many_steps() -> None:
    batches = [[i, i + 100] for i in range(7)]  # 7 batches of 2 over 2 ranks, 1 batch a step each
    ranks = _deal(batches, world=2, accum=1)
    assert len(ranks[0]) == len(ranks[1]) == 4
    mine = [b for rank in ranks for _, group, _ in rank for b in group]
    assert all(b in mine for b in batches)
    assert [len(group) for rank in ranks for _, group, _ in rank] == [1] * 8  # the short last step borrows one
    assert [end for end, _, _ in ranks[0]] == [2, 4, 6, 7]
    assert [samples for _, _, samples in ranks[0]] == [4, 4, 4, 2]  # the borrowed batch is not counted


def test_accumulation_gives_each_rank_its_batches() -> None:
    batches = [[i] for i in range(8)]
    ranks = _deal(batches, world=2, accum=2)
    assert [group for _, group, _ in ranks[0]] == [[[0], [2]], [[4], [6]]]
    assert [group for _, group, _ in ranks[1]] == [[[1], [3]], [[5], [7]]]


def test_one_process_takes_a_short_last_step() -> None:
    (only,) = _deal([[i] for i in range(5)], world=1, accum=2)
    assert [group for _, group, _ in only] == [[[0], [1]], [[2], [3]], [[4]]]


def test_shard_and_single_context() -> None:
    assert shard(list(range(7)), DistContext(rank=1, world_size=3)) == [1, 4]
    single = DistContext()
    assert single.is_main and not single.distributed
    assert single.sum(1.5, 2) == [1.5, 2] and single.broadcast("x") == "x"


def test_the_global_batch_sets_the_dp_sample_rate() -> None:
    from core.train.dp_plan import plan_dp

    one = plan_dp(TrainConfig(dataset="d", model="m", dp=True, noise_multiplier=1.0, batch_size=8), records=400,
                  patients=400)
    two = plan_dp(TrainConfig(dataset="d", model="m", dp=True, noise_multiplier=1.0, batch_size=4, nproc=2),
                  records=400, patients=400)
    assert two.sample_rate == one.sample_rate == 8 / 400
    assert two.steps == one.steps and two.planned_epsilon == one.planned_epsilon


def test_each_worker_is_medsum_itself_not_torchrun(tmp_path) -> None:
    assert worker_command(["train", "--full"]) == [sys.executable, "-m", "medsum_tui", "train", "--full"]


def test_workers_meet_through_a_file_with_no_tcp_rendezvous(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MASTER_ADDR", "node-0.internal")
    monkeypatch.setenv("MASTER_PORT", "29500")
    env = worker_env(2, 1, tmp_path / "store")
    assert (env["RANK"], env["LOCAL_RANK"], env["WORLD_SIZE"]) == ("1", "1", "2")
    assert env[STORE_ENV] == str(tmp_path / "store")
    assert "MASTER_ADDR" not in env and "MASTER_PORT" not in env


def test_gloo_and_nccl_stay_on_loopback_while_the_guard_is_on(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GLOO_SOCKET_IFNAME", raising=False)
    monkeypatch.delenv("NCCL_SOCKET_IFNAME", raising=False)
    install_network_guard(enabled=True, source="test")
    loopback = ("lo", "lo0")
    env = worker_env(2, 0, tmp_path / "store")
    assert env["GLOO_SOCKET_IFNAME"] in loopback and env["NCCL_SOCKET_IFNAME"] in loopback
    monkeypatch.setenv("GLOO_SOCKET_IFNAME", "eth1")  # would listen on the LAN
    assert worker_env(2, 0, tmp_path / "store")["GLOO_SOCKET_IFNAME"] in loopback
    install_network_guard(enabled=False, source="test off")
    try:
        assert worker_env(2, 0, tmp_path / "store")["GLOO_SOCKET_IFNAME"] == "eth1"  # the user's choice, guard off
    finally:
        install_network_guard(enabled=True, source="test")
