"""Starting a data-parallel run: the torchrun command ``medsum train --nproc N`` runs, its
environment, and the world size torchrun gives each process. No torch import here, so that
``medsum train --nproc N`` hands over to torchrun without loading torch itself; the process
group is :mod:`core.train.distributed`'s.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

__all__ = ["die_with_parent", "env_world_size", "launch_command", "launch_env"]


def env_world_size() -> int:
    """The world size torchrun gave this process (1 when not started by torchrun)."""
    try:
        return max(1, int(os.environ.get("WORLD_SIZE", "1")))
    except ValueError:
        return 1


def launch_command(nproc: int, argv: Sequence[str]) -> list[str]:
    """The torchrun command that runs ``medsum <argv>`` in ``nproc`` processes on this machine
    (a standalone rendezvous on loopback)."""
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}",
            "-m", "medsum_tui", *argv]


def launch_env(nproc: int) -> dict[str, str]:
    """The environment for a one-machine launch: gloo talks over loopback, and the cores are
    shared between the processes, unless the user set either already."""
    env = dict(os.environ)
    env.setdefault("GLOO_SOCKET_IFNAME", _loopback_interface())
    env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // nproc)))
    return env


def die_with_parent() -> None:
    """In a child process before it runs (``preexec_fn``): ask Linux to send it SIGTERM when
    its parent dies. Elsewhere, nothing."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _loopback_interface() -> str:
    """The name of the loopback network interface (``lo`` on Linux, ``lo0`` on macOS)."""
    return "lo0" if sys.platform == "darwin" else "lo"
