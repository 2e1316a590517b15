"""``privacy.os_block``: telling, with no packet leaving the machine, whether the operating
system keeps this process off the network. The verdicts from the probe's findings, and the
probe itself in network namespaces where this machine allows them: loopback only (in place),
an interface with an address (absent), and that plus an nftables output rule (in place)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from privacy.os_block import classify, detect_os_block, systemd_unit
from tests.netns import netns_unavailable, run_in_netns

ROOT = Path(__file__).resolve().parents[2]
_HOST = {"interfaces": ["lo", "eth0"], "ipv4": ["10.0.0.5"], "ipv6": [], "families": {"AF_INET": "ok", "AF_INET6": "ok"}}
_VERDICT = "from privacy.os_block import detect_os_block; b = detect_os_block(); print(b.in_place, b.mechanism)"


def test_loopback_alone_is_a_network_namespace() -> None:
    found = classify({**_HOST, "interfaces": ["lo"], "ipv4": [], "send": None})
    assert (found.in_place, found.mechanism) == (True, "network namespace")


def test_an_egress_filter_that_refuses_a_datagram_to_our_own_address_is_a_block() -> None:
    found = classify({**_HOST, "send": {"address": "10.0.0.5", "outcome": "refused", "errno": "EPERM"}})
    assert (found.in_place, found.mechanism) == (True, "egress filter")
    assert "10.0.0.5" in found.detail and "EPERM" in found.detail


def test_a_delivered_datagram_means_no_block_and_says_how_to_add_one() -> None:
    found = classify({**_HOST, "send": {"address": "10.0.0.5", "outcome": "delivered"}}, unit="medsum@train.service")
    assert found.in_place is False and "eth0" in found.detail and "medsum@train.service" in found.detail
    assert "IPAddressDeny=any" in found.fix and "docs/network-isolation.md" in found.fix


def test_refused_address_families_and_interfaces_without_addresses_are_blocks() -> None:
    families = classify({**_HOST, "families": {"AF_INET": "EAFNOSUPPORT", "AF_INET6": "EAFNOSUPPORT"}, "send": None})
    assert (families.in_place, families.mechanism) == (True, "address families")
    bare = classify({**_HOST, "ipv4": [], "ipv6": [], "send": None})
    assert (bare.in_place, bare.mechanism) == (True, "no address")


def test_anything_else_is_not_claimed_either_way() -> None:
    lost = classify({**_HOST, "send": {"address": "10.0.0.5", "outcome": "lost"}})
    assert lost.in_place is None and "could not tell" in lost.detail
    other = classify({**_HOST, "send": {"address": "10.0.0.5", "outcome": "refused", "errno": "ENOBUFS"}})
    assert other.in_place is None


def test_systemd_unit_from_the_cgroup(tmp_path: Path) -> None:
    cgroup = tmp_path / "cgroup"
    cgroup.write_text("0::/system.slice/system-medsum.slice/medsum@train.service\n")
    assert systemd_unit(cgroup) == "medsum@train.service"
    cgroup.write_text("12:pids:/\n0::/\n")
    assert systemd_unit(cgroup) is None
    assert systemd_unit(tmp_path / "missing") is None


def test_the_probe_agrees_with_this_machines_interfaces() -> None:
    interfaces = [line.split(":", 1)[0].strip() for line in Path("/proc/net/dev").read_text().splitlines()[2:]]
    found = detect_os_block()
    if interfaces == ["lo"]:
        assert (found.in_place, found.mechanism) == (True, "network namespace")
    else:
        assert found.mechanism != "network namespace"


def _in_netns(shell: str) -> list[str]:
    if (reason := netns_unavailable()) is not None:
        pytest.skip(reason)
    result = run_in_netns(["sh", "-c", f"{shell}{sys.executable} -c '{_VERDICT}'"], cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().split(" ", 1)


def test_in_a_network_namespace_with_loopback_only_the_block_is_in_place() -> None:
    assert _in_netns("") == ["True", "network namespace"]


_VETH = "ip link add v0 type veth peer name v1 && ip addr add 10.9.9.9/24 dev v0 && ip link set v0 up && "


@pytest.mark.skipif(shutil.which("ip") is None, reason="no ip command (iproute2) to make an interface with")
def test_an_interface_with_an_address_and_no_filter_is_no_block() -> None:
    assert _in_netns(_VETH) == ["False"]


@pytest.mark.skipif(shutil.which("ip") is None or shutil.which("nft") is None,
                    reason="no ip or nft command to make an interface and an egress filter with")
def test_an_nftables_output_rule_is_seen_as_an_egress_filter() -> None:
    rule = ("nft add table inet medsum && nft 'add chain inet medsum out { type filter hook output priority 0 ; }' && "
            "nft add rule inet medsum out oifname != lo drop && nft add rule inet medsum out ip daddr != 127.0.0.0/8 drop && ")
    assert _in_netns(_VETH + rule) == ["True", "egress filter"]
