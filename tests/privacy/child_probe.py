"""What a child process sees when it tries the network: for the guard inheritance tests.

It imports MedSum's ``privacy`` package and nothing else of MedSum, as the least a MedSum
child loads (every MedSum module imports it, directly or through ``core``).
"""

from __future__ import annotations

import socket

import privacy  # noqa: F401  (installs the inherited guard, as any MedSum import does)
from privacy.offline import NetworkBlockedError, guard_status


def udp_connect_outcome(_: object = None) -> str:
    """Try a UDP ``connect()`` to 192.0.2.1 (TEST-NET-1; connecting a UDP socket sends no packet)
    and say what happened: ``blocked``, ``connected`` or the OS error."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("192.0.2.1", 9))
        except NetworkBlockedError:
            return "blocked"
        except OSError as exc:
            return f"os error {exc.errno}"
    return "connected"


def status(_: object = None) -> tuple[bool, bool, str]:
    """This process's guard: installed, enabled, source."""
    current = guard_status()
    return current.installed, current.enabled, current.source
