"""``core.train.launch.run_workers``: the workers of ``medsum train --nproc N`` meet through a
FileStore (a real two-process gloo group here), a failing worker stops the others, and the
store's private directory is gone afterwards."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from core.train.launch import run_workers

# A worker: join the group through the launcher's store, sum the ranks, report, leave.
_GLOO = """
import os, sys, torch, torch.distributed as dist
from core.train.distributed import init_from_env, shutdown
ctx = init_from_env("cpu")
total = torch.tensor([float(ctx.rank)])
dist.all_reduce(total)
open(os.path.join(sys.argv[1], f"rank{ctx.rank}"), "w").write(f"{total.item()} {os.environ['MEDSUM_DIST_STORE']}")
shutdown()
"""

# Rank 1 fails at once; rank 0 would run for a minute.
_ONE_FAILS = """
import os, sys, time
if os.environ["RANK"] == "1":
    sys.exit(3)
open(os.path.join(sys.argv[1], "rank0-started"), "w").close()
time.sleep(60)
"""


def test_two_workers_form_a_gloo_group_through_a_file_store(tmp_path: Path) -> None:
    assert run_workers(2, [str(tmp_path)], program=[sys.executable, "-c", _GLOO]) == 0
    results = [(tmp_path / f"rank{r}").read_text().split() for r in (0, 1)]
    assert [float(total) for total, _ in results] == [1.0, 1.0]  # 0 + 1 on both ranks
    store = Path(results[0][1])
    assert store.parent.name.startswith("medsum-ranks-") and not store.parent.exists()  # removed afterwards


def test_a_failing_worker_stops_the_others_and_its_code_is_returned(tmp_path: Path) -> None:
    started = time.monotonic()
    assert run_workers(2, [str(tmp_path)], program=[sys.executable, "-c", _ONE_FAILS]) == 3
    assert time.monotonic() - started < 30  # rank 0 was stopped, not waited for


def test_a_worker_killed_by_a_signal_reports_128_plus_it(tmp_path: Path) -> None:
    code = "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"
    assert run_workers(1, [], program=[sys.executable, "-c", code]) == 128 + 9


def test_the_store_directory_is_private(tmp_path: Path) -> None:
    out = tmp_path / "mode"
    code = ("import os, stat, sys\n"
            "mode = stat.S_IMODE(os.stat(os.path.dirname(os.environ['MEDSUM_DIST_STORE'])).st_mode)\n"
            "open(sys.argv[1], 'w').write(oct(mode))")
    assert run_workers(1, [str(out)], program=[sys.executable, "-c", code]) == 0
    assert out.read_text() == "0o700"
