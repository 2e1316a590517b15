"""``medsum train --nproc 2``: data-parallel training in two CPU processes (gloo, meeting
through a file), with and without DP: the loss falls, rank 0 alone writes one ledger entry,
DP's epsilon is the single-process accounting of the same global batch, a run resumes on
another number of processes, and the run asks DNS nothing and listens on loopback only."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import sys
from pathlib import Path

import pytest

from core.ledger import open_ledger
from privacy.accounting import epsilon_for
from tests.cli.conftest import ROOT, run_subprocess, tiny_model_workspace, train_then_kill
from tests.keyrings import seed_cryptfile
from tests.netns import dns_queries, netns_unavailable, run_in_netns

pytestmark = pytest.mark.slow

SHORT = ("--dataset", "notes", "--model", "tt", "--max-source-len", "48", "--max-target-len", "24",
         "--batch-size", "4", "--checkpoint-every", "2")
KEYRING = {"MEDSUM_KEYRING": "cryptfile", "MEDSUM_KEYRING_PASSPHRASE": "test"}


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A workspace with a redacted dataset ``notes`` and a tiny T5 ``tt``."""
    root = tmp_path_factory.mktemp("ddp-ws") / "ws"
    with tiny_model_workspace(root, records=80, seed=43):
        pass
    return str(root)


def _events(ws: str, run_id: str) -> list[dict]:
    return [json.loads(line) for line in (Path(ws) / "runs" / run_id / "events.jsonl").read_text().splitlines()]


def _run_id(out: str) -> str:
    line = next(line for line in out.splitlines() if line.startswith("Run directory: "))
    return Path(line.removeprefix("Run directory: ")).name


def _ledger_runs(ws: str) -> list:
    return open_ledger(Path(ws)).runs()


def test_two_processes_learn_and_resume_on_one(ws: str, tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    before = len(_ledger_runs(ws))
    run_id = train_then_kill(ws, [*SHORT, "--full", "--lr", "3e-3", "--epochs", "2", "--nproc", "2"], events,
                             after_steps=3, sig=signal.SIGTERM)
    start = _events(ws, run_id)[0]
    assert start["event"] == "start" and start["processes"] == 2 and start["backend"] == "gloo"
    config = json.loads((Path(ws) / "runs" / run_id / "config.json").read_text())
    train_records = config["dataset"]["train"]
    assert config["config"]["nproc"] == 2
    assert config["steps_per_epoch"] == math.ceil(math.ceil(train_records / 4) / 2)  # batches of 4, two a step
    assert len(_ledger_runs(ws)) == before + 1  # rank 0 alone reserved the run
    assert open_ledger(Path(ws)).get_run(run_id).outcome == "killed"

    resumed = run_subprocess("train", "--workspace", ws, "--resume", run_id, env=KEYRING)
    assert resumed.code == 0, resumed.err
    assert f"Run {run_id}: finished" in resumed.out
    evs = _events(ws, run_id)
    second = [e for e in evs if e["event"] == "start"][-1]
    assert second["resumed"] and second["processes"] == 1
    # On one process the epochs left take twice the steps: the plan was re-counted, not refused.
    assert second["total_steps"] > start["total_steps"]
    vals = [e["val_loss"] for e in evs if e["event"] == "epoch"]
    assert vals[-1] < vals[0] - 1.0  # a random-init model: the loss must fall a long way
    assert len(_ledger_runs(ws)) == before + 1
    assert open_ledger(Path(ws)).get_run(run_id).outcome == "finished"
    assert (Path(ws) / "runs" / run_id / "model" / "config.json").exists()


def test_two_processes_with_dp_spend_what_one_process_would(ws: str) -> None:
    before = len(_ledger_runs(ws))
    result = run_subprocess("train", "--workspace", ws, *SHORT, "--dp", "--target-epsilon", "4", "--epochs", "2",
                            "--lr", "2e-2", "--nproc", "2", env=KEYRING)
    assert result.code == 0, result.err
    run_id = _run_id(result.out)
    assert len(_ledger_runs(ws)) == before + 1  # rank 0 alone reserved and settled
    row = open_ledger(Path(ws)).get_run(run_id)
    assert row.outcome == "finished" and row.dp is not None
    population = json.loads((Path(ws) / "runs" / run_id / "config.json").read_text())["dataset"]["train"]
    assert row.dp.sample_rate == pytest.approx(4 * 2 / population)  # the global batch of two processes
    assert row.steps_done == row.dp.steps
    single = epsilon_for([(row.dp.noise_multiplier, 4 * 2 / population, row.dp.steps)], row.dp.delta, "prv")
    assert row.epsilon == pytest.approx(single, abs=1e-9) and row.epsilon <= 4.0
    evs = _events(ws, run_id)
    assert next(e for e in evs if e["event"] == "start")["processes"] == 2
    vals = [e["val_loss"] for e in evs if e["event"] == "epoch"]
    assert vals[-1] < vals[0]
    assert (Path(ws) / "runs" / run_id / "adapter" / "adapter_config.json").exists()


def test_two_processes_ask_dns_nothing_and_use_loopback_only(ws: str, tmp_path: Path) -> None:
    """In a network namespace whose only DNS server records every query: torchrun's C++ store
    made 6 to 8 PTR queries for its loopback peers and listened on every interface (``::``)."""
    if (reason := netns_unavailable()) is not None:
        pytest.skip(reason)
    etc = tmp_path / "etc"
    etc.mkdir()
    trace = tmp_path / "trace.txt"
    seed_cryptfile(Path(ws))
    argv = [sys.executable, "-m", "medsum_tui", "train", "--workspace", ws, *SHORT, "--max-steps", "2", "--nproc", "2"]
    if shutil.which("strace"):  # every bind() and connect() of every process, as the kernel saw it
        argv = ["strace", "-f", "-qq", "-e", "trace=bind,connect", "-e", "signal=none", "-o", str(trace), *argv]
    result = run_in_netns(argv, dns_log=etc / "dns.log", env={**os.environ, **KEYRING, "MEDSUM_HOME": ws}, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "finished" in result.stdout
    assert dns_queries(etc / "dns.log") == []
    if trace.exists():
        calls = [line for line in trace.read_text().splitlines() if "sa_family=AF_INET" in line]
        addresses = {m.group(1) for line in calls for m in [re.search(r'inet_(?:addr|pton)\((?:AF_INET6, )?"([^"]+)"', line)]
                     if m}
        assert calls and addresses <= {"127.0.0.1", "::1"}, addresses
