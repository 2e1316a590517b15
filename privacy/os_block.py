"""Whether the operating system keeps this process off the network, whatever its code does:
the layer under MedSum's Python guard, which native code (torch's C++, a C library called
through cffi) and programs run as subprocesses never meet.

Three blocks are recognised, each told without a packet leaving the machine:

- a network namespace with no interface but loopback (``unshare --net``, systemd's
  ``PrivateNetwork=yes``, ``packaging/medsum-isolated``): ``/proc/net/dev``, which shows the
  calling process's namespace, lists ``lo`` alone;
- no address on any interface but loopback, or no IPv4/IPv6 socket to be had (systemd's
  ``RestrictAddressFamilies=AF_UNIX``);
- a kernel egress filter (systemd's ``IPAddressDeny=any``, an nftables or iptables output
  rule): a UDP datagram from a socket of the probe's own to this machine's own non-loopback
  address is refused (``EPERM``). A datagram to one's own address goes over the loopback
  device and never leaves the machine, yet a filter on non-loopback addresses sees it.

The probe runs in a bare interpreter (``python -I -S``), never in a MedSum process: MedSum's
own guard would refuse it there, and the question is what any program here can do.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["OsBlock", "classify", "detect_os_block", "systemd_unit"]

# Runs in `python -I -S -c`: stdlib only, prints one JSON object.
_PROBE = r"""
import errno, json, socket
out = {"interfaces": None, "ipv4": [], "ipv6": [], "families": {}, "send": None}
try:
    with open("/proc/net/dev") as fh:
        out["interfaces"] = [line.split(":", 1)[0].strip() for line in fh.read().splitlines()[2:] if ":" in line]
except OSError:
    pass
try:
    with open("/proc/net/fib_trie") as fh:
        lines = fh.read().splitlines()
    out["ipv4"] = sorted({lines[i - 1].split()[-1] for i, line in enumerate(lines)
                          if i and line.strip() == "/32 host LOCAL" and not lines[i - 1].split()[-1].startswith("127.")})
except OSError:
    pass
try:
    with open("/proc/net/if_inet6") as fh:
        for fields in (line.split() for line in fh):
            if len(fields) == 6 and fields[5] != "lo":
                text = ":".join(fields[0][i:i + 4] for i in range(0, 32, 4))
                out["ipv6"].append([socket.inet_ntop(socket.AF_INET6, socket.inet_pton(socket.AF_INET6, text)),
                                    int(fields[1], 16), int(fields[3], 16)])
except OSError:
    pass
for name in ("AF_INET", "AF_INET6"):
    try:
        socket.socket(getattr(socket, name), socket.SOCK_DGRAM).close()
        out["families"][name] = "ok"
    except OSError as exc:
        out["families"][name] = errno.errorcode.get(exc.errno, str(exc.errno))
target = None
if out["ipv4"] and out["families"].get("AF_INET") == "ok":
    target = (socket.AF_INET, (out["ipv4"][0], 0), out["ipv4"][0])
elif out["ipv6"] and out["families"].get("AF_INET6") == "ok":
    address, index, scope = sorted(out["ipv6"], key=lambda a: a[2])[0]
    target = (socket.AF_INET6, (address, 0, 0, index if scope == 0x20 else 0), address)
if target is not None:
    family, bind_to, shown = target
    result = {"address": shown}
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as receiver, socket.socket(family, socket.SOCK_DGRAM) as sender:
            receiver.bind(bind_to)
            receiver.settimeout(1.0)
            try:
                sender.sendto(b"medsum doctor: loopback-routed probe", receiver.getsockname())
            except OSError as exc:
                result.update(outcome="refused", errno=errno.errorcode.get(exc.errno, str(exc.errno)))
            else:
                try:
                    receiver.recv(64)
                    result["outcome"] = "delivered"
                except socket.timeout:
                    result["outcome"] = "lost"
    except OSError as exc:
        result.update(outcome="error", errno=errno.errorcode.get(exc.errno, str(exc.errno)))
    out["send"] = result
print(json.dumps(out))
"""

_REFUSED = frozenset({"EPERM", "EACCES"})
_FIX = ("run MedSum in a network namespace with loopback only (packaging/medsum-isolated, or systemd's "
        "PrivateNetwork=yes) or in a systemd unit with IPAddressDeny=any (packaging/systemd/medsum@.service): "
        "docs/network-isolation.md")


@dataclass(frozen=True)
class OsBlock:
    """What the operating system does about this process's network access."""

    in_place: bool | None  # None: the probe could not tell
    mechanism: str  # "network namespace", "no address", "address families", "egress filter" or ""
    detail: str
    fix: str = ""


def systemd_unit(cgroup_file: Path = Path("/proc/self/cgroup")) -> str | None:
    """The systemd unit (``*.service``, ``*.scope``) this process runs in, from its cgroup; None
    outside one or where that cannot be read."""
    try:
        lines = cgroup_file.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith("0::"):
            for part in reversed(line[3:].split("/")):
                if part.endswith((".service", ".scope")):
                    return part
    return None


def classify(probe: dict[str, Any], unit: str | None = None) -> OsBlock:
    """Turn the probe's findings into a verdict (a separate step, so each case is testable)."""
    where = f" (systemd unit {unit})" if unit else ""
    interfaces = probe.get("interfaces")
    others = [name for name in interfaces or [] if name != "lo"]
    if interfaces is not None and not others:
        return OsBlock(True, "network namespace", f"in place{where}: a network namespace with no interface but "
                       "loopback, so nothing here reaches another machine")
    families = probe.get("families") or {}
    if families and all(families.get(name, "ok") != "ok" for name in ("AF_INET", "AF_INET6")):
        return OsBlock(True, "address families", f"in place{where}: IPv4 and IPv6 sockets are refused "
                       f"({families.get('AF_INET')}), e.g. by RestrictAddressFamilies")
    if interfaces is not None and not probe.get("ipv4") and not probe.get("ipv6"):
        return OsBlock(True, "no address", f"in place{where}: interfaces {', '.join(others)} have no address, "
                       "only loopback has")
    send = probe.get("send") or {}
    shown = ", ".join(others) if interfaces is not None else "unknown (no /proc/net/dev)"
    if send.get("outcome") == "refused" and send.get("errno") in _REFUSED:
        return OsBlock(True, "egress filter", f"in place{where}: a datagram to this machine's own address "
                       f"{send['address']} was refused ({send['errno']}), e.g. by IPAddressDeny; interfaces {shown}")
    if send.get("outcome") == "delivered":
        return OsBlock(False, "", f"absent{where}: interfaces {shown}; a datagram to this machine's own address "
                       f"{send['address']} went through, so native code and programs MedSum runs could reach the "
                       "network (the Python guard covers Python code only)", _FIX)
    told = f"{send.get('outcome')} ({send.get('errno', 'no error')})" if send else "not tried"
    return OsBlock(None, "", f"could not tell{where}: interfaces {shown}; the probe datagram was {told}", _FIX)


def detect_os_block(timeout: float = 10.0) -> OsBlock:
    """Probe, in a bare interpreter, whether the OS blocks this process's network access."""
    unit = systemd_unit()
    try:
        done = subprocess.run([sys.executable, "-I", "-S", "-c", _PROBE], capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
        probe = json.loads(done.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.TimeoutExpired, ValueError, IndexError) as exc:
        return OsBlock(None, "", f"could not tell: the probe failed ({type(exc).__name__})", _FIX)
    return classify(probe, unit)
