"""``medsum doctor``: check the installation, the offline guarantees and the workspace.

Each check gives a status (ok, warn, fail), a one-line detail and, when not ok, the fix.
The checks never print PHI: they look at versions, settings and file modes only.
"""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import asdict, dataclass

from core.config import ConfigError, load_config, policy_path
from core.versions import LIBRARIES, library_versions
from core.workspace import WorkspaceLocation, permission_problem
from privacy.offline import OFFLINE_ENV, guard_status, offline_env_status

__all__ = ["Check", "run_checks", "LIBRARIES"]

@dataclass(frozen=True)
class Check:
    """One line of the doctor report."""

    name: str
    status: str  # "ok", "warn" or "fail"
    detail: str
    fix: str = ""

    def to_json(self) -> dict[str, str]:
        """The check as a JSON object."""
        return asdict(self)


def _python() -> Check:
    ok = sys.version_info >= (3, 11)
    return Check("python", "ok" if ok else "fail", f"Python {platform.python_version()} on {platform.platform()}",
                 "" if ok else "install Python 3.11 or newer")


def _libraries() -> Check:
    found = library_versions()
    versions = [f"{name} {version}" for name, version in found.items() if version is not None]
    missing = [name for name, version in found.items() if version is None]
    if missing:
        return Check("libraries", "fail", "missing: " + ", ".join(missing), "reinstall MedSum: pip install -e .")
    return Check("libraries", "ok", ", ".join(versions))


def _torch() -> Check:
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - reported, not raised
        return Check("torch", "fail", f"cannot import torch: {exc}", "pip install torch==2.13.0")
    if not torch.cuda.is_available():
        return Check("torch", "ok", f"torch {torch.__version__}, CUDA not available: training runs on the CPU")
    gpus = []
    for i in range(torch.cuda.device_count()):
        free, total = torch.cuda.mem_get_info(i)
        gpus.append(f"{torch.cuda.get_device_name(i)} ({free / 2**30:.1f}/{total / 2**30:.1f} GiB free)")
    bf16 = "bf16 supported" if torch.cuda.is_bf16_supported() else "no bf16"
    return Check("torch", "ok", f"torch {torch.__version__}, CUDA {torch.version.cuda}, {bf16}: " + "; ".join(gpus))


def _offline_env() -> Check:
    wrong = [name for name, ok in offline_env_status().items() if not ok]
    if wrong:
        return Check("offline mode", "fail", "not set: " + ", ".join(wrong),
                     "run MedSum through the medsum command, which sets them")
    return Check("offline mode", "ok", "Hugging Face offline, telemetry off (" + ", ".join(OFFLINE_ENV) + ")")


def _guard() -> Check:
    status = guard_status()
    if not status.installed:
        return Check("network guard", "fail", "not installed", "run MedSum through the medsum command")
    if not status.enabled:
        return Check("network guard", "warn", f"OFF (turned off by {status.source}): non-loopback connections are allowed",
                     "unset MEDSUM_NETWORK_GUARD or set offline.network_guard = true")
    return Check("network guard", "ok", f"on ({status.source}): only loopback connections, no DNS lookups")


def _keyring(location: WorkspaceLocation) -> Check:
    from core.secrets import secrets_status  # keyring backends load only when doctor runs

    status = secrets_status(location)
    if status.usable:
        return Check("keyring", "ok", f"{status.name}: {status.detail}")
    return Check("keyring", "warn", f"{status.name}: {status.detail}", status.fix)


def _workspace(location: WorkspaceLocation) -> list[Check]:
    where = f"{location.path} (from {location.source})"
    if not location.initialized:
        return [Check("workspace", "warn", f"{where} is not initialized", f"medsum init --workspace {location.path}")]
    problem = permission_problem(location.path)
    checks = [Check("workspace", "fail" if problem else "ok", problem or f"{where}, mode 0700",
                    f"chmod 700 {location.path}" if problem else "")]
    try:
        loaded = load_config(location.config_file)
    except ConfigError as exc:
        checks.append(Check("config", "fail", str(exc), "fix the file named above"))
        return checks
    locked = ", ".join(sorted(loaded.locked)) or "none"
    checks.append(Check("config", "ok", f"valid; policy file {policy_path()} "
                        f"({'present' if policy_path().is_file() else 'absent'}); locked by policy: {locked}"))
    disk = os.statvfs(location.path)
    free_gib = disk.f_bavail * disk.f_frsize / 2**30
    checks.append(Check("disk", "ok" if free_gib >= 5 else "warn", f"{free_gib:.1f} GiB free in the workspace",
                        "" if free_gib >= 5 else "free disk space: training checkpoints need several GiB"))
    return checks


def run_checks(location: WorkspaceLocation) -> list[Check]:
    """Run every check, in report order."""
    return [_python(), _libraries(), _torch(), _offline_env(), _guard(), _keyring(location), *_workspace(location)]
