"""How many CPU threads one interactive summary uses.

torch runs each operation on all its intra-op threads and waits for the slowest. When other
processes keep the cores busy, a thread that is not scheduled holds every operation up:
on a 2-core machine with a load of 6, one record of the tiny model took 9 to 12 s on two
threads and 1.4 s on one. :func:`interactive_threads` leaves out the cores that others use.
"""

from __future__ import annotations

import os

__all__ = ["THREADS_ENV", "interactive_threads", "use_interactive_threads"]

#: Set to a positive integer to fix the thread count (IT's override of the estimate).
THREADS_ENV = "MEDSUM_CPU_THREADS"


def interactive_threads(default: int, *, load: float | None = None, cores: int | None = None) -> int:
    """torch's ``default`` thread count, less the cores busy with other work (the one-minute
    load average, ``load``, of ``cores`` cores; read from the system when not given), at least 1.
    :data:`THREADS_ENV` overrides the estimate."""
    fixed = os.environ.get(THREADS_ENV, "").strip()
    if fixed.isdigit() and int(fixed) > 0:
        return int(fixed)
    if load is None:
        try:
            load = os.getloadavg()[0]
        except (AttributeError, OSError):  # not on this platform
            return default
    cores = cores or os.cpu_count() or 1
    idle = int(cores - load + 0.5)
    return max(1, min(default, idle))


def use_interactive_threads() -> int:
    """Set torch's intra-op threads to :func:`interactive_threads` (from torch's own default,
    as first seen in this process) and return the count."""
    import torch

    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = torch.get_num_threads()
    threads = interactive_threads(_DEFAULT)
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return threads


_DEFAULT: int | None = None
