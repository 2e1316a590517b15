"""Starting a data-parallel run on this machine: ``medsum train --nproc N`` runs the same
command in N worker processes, which meet through a file, not a network address.

MedSum used to hand over to ``torchrun --standalone``, and three things in it reached past the
network guard: its launcher is a Python process that loads no MedSum code (so no guard) and
looks up this machine's fully qualified name (``socket.getfqdn``); its C++ ``TCPStore``
listens on every interface (``::``); and that store names each peer with ``getnameinfo()``,
which asked DNS for the PTR record of ``::ffff:127.0.0.1`` (``/etc/hosts`` lists only
``127.0.0.1``): 6 to 8 queries a run. Here instead:

- the workers rendezvous through a ``torch.distributed`` FileStore in a private temporary
  directory (``init_method="file://..."``): no TCP store, no port, no name;
- gloo binds to the loopback interface (``GLOO_SOCKET_IFNAME=lo``: 127.0.0.1, found with
  ``getifaddrs()``, no lookup), and so does NCCL's bootstrap (``NCCL_SOCKET_IFNAME=lo``);
  while the guard is on, an interface the user set is replaced, since it would listen on the
  network;
- each worker is ``python -m medsum_tui``, which installs the guard first.

No torch import here, so that ``medsum train --nproc N`` starts its workers without loading
torch itself; the process group is :mod:`core.train.distributed`'s. Runs across machines still
use ``torchrun`` (docs/training.md), which needs the guard off.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from privacy.offline import guard_status

__all__ = ["STORE_ENV", "die_with_parent", "env_world_size", "run_workers", "worker_command", "worker_env"]

#: Set in each worker's environment: the FileStore file the workers meet through.
STORE_ENV = "MEDSUM_DIST_STORE"

#: Variables of a torchrun (or any TCP) rendezvous that a worker must not inherit.
_TCP_RENDEZVOUS = ("MASTER_ADDR", "MASTER_PORT", "TORCHELASTIC_USE_AGENT_STORE", "TORCHELASTIC_RUN_ID",
                   "GROUP_RANK", "ROLE_RANK", "ROLE_WORLD_SIZE")

#: Seconds a worker has to end after SIGTERM before it is killed.
_GRACE = 30.0


def env_world_size() -> int:
    """The world size this process was started for (1 when it is not a worker)."""
    try:
        return max(1, int(os.environ.get("WORLD_SIZE", "1")))
    except ValueError:
        return 1


def worker_command(argv: Sequence[str]) -> list[str]:
    """The command of one worker: ``medsum <argv>`` in this Python (``python -m medsum_tui``)."""
    return [sys.executable, "-m", "medsum_tui", *argv]


def worker_env(nproc: int, rank: int, store: Path) -> dict[str, str]:
    """Worker ``rank``'s environment: its place in the run, the store file, gloo and NCCL on the
    loopback interface, and the cores shared between the workers unless the user set that."""
    env = {name: value for name, value in os.environ.items() if name not in _TCP_RENDEZVOUS}
    env.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(nproc), LOCAL_WORLD_SIZE=str(nproc),
               **{STORE_ENV: str(store)})
    loopback, forced = _loopback_interface(), guard_status().enabled
    for name in ("GLOO_SOCKET_IFNAME", "NCCL_SOCKET_IFNAME"):
        env[name] = loopback if forced else env.get(name, loopback)
    env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // nproc)))
    return env


def run_workers(nproc: int, argv: Sequence[str], *, program: Sequence[str] | None = None) -> int:
    """Run ``medsum <argv>`` in ``nproc`` workers (``program`` + ``argv`` instead, for tests) and
    return 0 when every one succeeds; else the first failing worker's exit code, in rank order,
    after stopping the others (128 + N for a worker killed by signal N).

    SIGINT and SIGTERM to this process (on the main thread) reach every worker as SIGTERM, so the
    run ends killed with its spend settled; if this process is killed outright, Linux sends each
    worker a SIGTERM, so no orphaned worker trains on.
    """
    store_dir = Path(tempfile.mkdtemp(prefix="medsum-ranks-"))  # mode 0700
    command = [*program, *argv] if program is not None else worker_command(argv)
    workers: list[subprocess.Popen[bytes]] = []
    previous: dict[int, object] = {}
    try:
        for rank in range(nproc):  # before any thread starts: preexec_fn is safe
            workers.append(subprocess.Popen(command, env=worker_env(nproc, rank, store_dir / "store"),
                                            start_new_session=True, preexec_fn=die_with_parent))  # noqa: PLW1509
        if threading.current_thread() is threading.main_thread():
            previous = {sig: signal.signal(sig, lambda signum, frame: _terminate(workers))
                        for sig in (signal.SIGINT, signal.SIGTERM)}
        return _supervise(workers)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]
        _stop(workers)
        shutil.rmtree(store_dir, ignore_errors=True)


def _supervise(workers: list[subprocess.Popen[bytes]]) -> int:
    """Wait for the workers; when one fails, stop the rest and return its exit code."""
    while True:
        codes = [worker.poll() for worker in workers]
        failed = [code for code in codes if code not in (None, 0)]
        if failed:
            _stop(workers)
            return failed[0] if failed[0] > 0 else 128 - failed[0]
        if all(code == 0 for code in codes):
            return 0
        time.sleep(0.1)


def _terminate(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)


def _stop(workers: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM every worker still running, and SIGKILL those not gone within the grace period."""
    _terminate(workers)
    deadline = time.monotonic() + _GRACE
    for worker in workers:
        try:
            worker.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def die_with_parent() -> None:
    """In a child process before it runs (``preexec_fn``): ask Linux to send it SIGTERM when
    its parent dies. Elsewhere, nothing."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _loopback_interface() -> str:
    """The name of the loopback network interface (``lo`` on Linux, ``lo0`` on macOS)."""
    return "lo0" if sys.platform == "darwin" else "lo"
