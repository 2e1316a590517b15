"""``medsum doctor``: check the installation, the offline guarantees and the workspace.

Each check gives a status (ok, warn, fail), a one-line detail and, when not ok, the fix.
The checks never print PHI: they look at versions, settings, file modes, hashes and the audit
chain only, and they change nothing (verifying the model store and the audit log here writes
no audit entry, unlike ``medsum models verify`` and ``medsum audit verify``), with one
exception that every command opening the workspace makes too: an import a kill cut off between
its rename and its record is recorded (or its intent dropped), see :mod:`core.intents`.
"""

from __future__ import annotations

import ast
import os
import platform
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from importlib import metadata, util
from pathlib import Path

from core.atomic import find_leftovers
from core.config import ConfigError, load_config, policy_path
from core.errors import MedsumError, one_line
from core.units import format_size
from core.versions import LIBRARIES, library_versions
from core.workspace import WorkspaceLocation, permission_problem
from privacy.offline import OFFLINE_ENV, guard_status, offline_env_status
from privacy.os_block import detect_os_block

__all__ = ["GPUS_NOT_QUERIED", "LIBRARIES", "Check", "run_checks"]

#: In the torch check's detail when it was asked not to import torch and the build is for GPUs.
GPUS_NOT_QUERIED = "GPUs not queried yet"

#: Mismatched files named in the model store check's detail before "and N more".
_SHOWN = 5

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
        return Check("libraries", "fail", "missing: " + ", ".join(missing),
                     "reinstall MedSum: the offline bundle's ./install.sh --reinstall, or pip install -e . in a checkout")
    return Check("libraries", "ok", ", ".join(versions))


def _torch_build() -> tuple[str, str | None] | None:
    """Installed torch's version and the GPU platform it is built for ("CUDA 12.4", "HIP 6.2";
    None: a CPU-only build), read from its metadata and its ``torch/version.py`` without importing
    torch (which takes a second or more of CPU); None when either cannot be read, so the caller
    imports torch instead."""
    try:
        spec = util.find_spec("torch")
        version = metadata.version("torch")
    except (ImportError, ValueError, metadata.PackageNotFoundError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    try:
        tree = ast.parse(Path(spec.submodule_search_locations[0], "version.py").read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None
    found: dict[str, str | None] = {}
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else \
            node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(target, ast.Name) and target.id in ("cuda", "hip") and isinstance(node.value, ast.Constant) \
                and (node.value.value is None or isinstance(node.value.value, str)):
            found[target.id] = node.value.value
    if set(found) != {"cuda", "hip"}:
        return None
    if found["cuda"]:
        return version, f"CUDA {found['cuda']}"
    return version, f"HIP {found['hip']}" if found["hip"] else None


def _torch(*, load: bool = True) -> Check:
    """Torch's version and what it can train on. ``medsum doctor`` (``load``) imports torch and
    queries the GPUs. The TUI's dashboard (``load=False``) does not import torch, to keep the
    first screen quick: a CPU-only build's answer is the same from its version file; a GPU build's GPUs
    are queried only once torch is imported (the app's background preload does that), and until
    then the check says they are not queried yet."""
    if not load and "torch" not in sys.modules:
        build = _torch_build()
        if build is not None and build[1] is None:
            return Check("torch", "ok", f"torch {build[0]}, CUDA not available: training runs on the CPU")
        if build is not None:
            return Check("torch", "ok", f"torch {build[0]}, built for {build[1]}: {GPUS_NOT_QUERIED} "
                         "(the dashboard queries them once torch is loaded; medsum doctor does at once)")
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - reported, not raised
        return Check("torch", "fail", f"cannot import torch: {exc}", "reinstall MedSum with its offline bundle "
                     "(./install.sh --reinstall), or pip install torch==2.13.0 in a checkout")
    if not torch.cuda.is_available():
        if torch.version.cuda:  # a CUDA build that finds no GPU: a driver or CUDA_VISIBLE_DEVICES problem
            return Check("torch", "warn", f"torch {torch.__version__} is built for CUDA {torch.version.cuda} but no "
                         "GPU is usable: training runs on the CPU",
                         "on a GPU machine, check the NVIDIA driver (nvidia-smi) and CUDA_VISIBLE_DEVICES")
        return Check("torch", "ok", f"torch {torch.__version__}, CUDA not available: training runs on the CPU")
    gpus = []
    try:
        for i in range(torch.cuda.device_count()):
            try:
                free, total = torch.cuda.mem_get_info(i)
                memory = f"{free / 2**30:.1f}/{total / 2**30:.1f} GiB free"
            except RuntimeError as exc:  # a GPU in exclusive mode held by another process, say
                memory = f"free memory unknown: {one_line(exc, 80)}"
            gpus.append(f"GPU {i} {torch.cuda.get_device_name(i)} ({memory})")
        bf16 = "bf16 supported" if torch.cuda.is_bf16_supported() else "no bf16"
    except RuntimeError as exc:
        return Check("torch", "fail", f"torch {torch.__version__}, CUDA {torch.version.cuda}: the GPUs cannot be "
                     f"queried: {one_line(exc)}", "check the NVIDIA driver (nvidia-smi) and CUDA_VISIBLE_DEVICES")
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


def _os_block() -> Check:
    """Whether the OS keeps MedSum off the network below the Python guard (a network namespace,
    an egress filter...): told in a bare interpreter, with no packet leaving the machine."""
    found = detect_os_block()
    if found.in_place:
        return Check("os network block", "ok", found.detail)
    return Check("os network block", "warn", found.detail, found.fix)


def _keyring(location: WorkspaceLocation) -> Check:
    from core.secrets import secrets_status  # keyring backends load only when doctor runs

    status = secrets_status(location)
    if status.usable:
        return Check("keyring", "ok", f"{status.name}: {status.detail}")
    return Check("keyring", "warn", f"{status.name}: {status.detail}", status.fix)


def _config(location: WorkspaceLocation) -> Check:
    try:
        loaded = load_config(location.config_file)
    except ConfigError as exc:
        return Check("config", "fail", str(exc), "fix the file named above")
    locked = ", ".join(sorted(loaded.locked)) or "none"
    return Check("config", "ok", f"valid; policy file {policy_path()} "
                 f"({'present' if policy_path().is_file() else 'absent'}); locked by policy: {locked}")


def _disk(location: WorkspaceLocation) -> Check:
    disk = os.statvfs(location.path)
    free_gib = disk.f_bavail * disk.f_frsize / 2**30
    return Check("disk", "ok" if free_gib >= 5 else "warn", f"{free_gib:.1f} GiB free in the workspace",
                 "" if free_gib >= 5 else "free disk space: training checkpoints need several GiB")


def _model_store(root: Path, *, hash_files: bool) -> Check:
    """Every stored model's files against its manifest, models checked in parallel threads
    (reading and hashing release the GIL), so the cost is reading the weights once."""
    from core.models.entry import ModelError
    from core.models.manifest import FileRecord, check_files, read_manifest
    from core.models.store import models_dir

    store = models_dir(root)
    try:
        names = sorted(p.name for p in store.iterdir() if p.is_dir() and not p.name.startswith(".")) \
            if store.is_dir() else []
    except OSError as exc:
        return Check("model store", "fail", f"{store}: cannot read ({exc.strerror or one_line(exc)})",
                     f"chmod 700 {store} (it must belong to you)")
    if not names:
        return Check("model store", "ok", f"no models in {store}")
    started = time.monotonic()
    problems: dict[str, list[str]] = {}
    manifests: dict[str, dict[str, FileRecord]] = {}
    for name in names:
        try:
            manifests[name] = read_manifest(store / name)[1]
        except ModelError as exc:  # names the manifest: missing or unreadable
            problems[name] = [str(exc)]

    def check(name: str) -> list[str]:
        try:
            return [f"{rel} ({status})" for rel, status in
                    check_files(store / name, manifests[name], hash_contents=hash_files)]
        except OSError as exc:
            return [f"{exc.filename or store / name}: cannot read ({exc.strerror or one_line(exc)})"]

    with ThreadPoolExecutor(max_workers=max(1, min(len(manifests), os.cpu_count() or 1, 4))) as pool:
        for name, found in zip(manifests, pool.map(check, manifests), strict=True):
            if found:
                problems[name] = found
    files = sum(len(listed) for listed in manifests.values())
    size = sum(record["size"] for listed in manifests.values() for record in listed.values())
    how = f"re-hashed in {time.monotonic() - started:.1f} s" if hash_files else \
        "checked by size only (--quick: contents not re-hashed)"
    counted = f"{len(names)} {'model' if len(names) == 1 else 'models'}, {files} files, {format_size(size)} {how}"
    if not problems:
        return Check("model store", "ok", f"{counted}: every file matches its manifest")
    listed = [f"model {name}: {item}" for name, items in sorted(problems.items()) for item in items]
    shown = "; ".join(listed[:_SHOWN]) + (f"; and {len(listed) - _SHOWN} more" if len(listed) > _SHOWN else "")
    bad = sorted(problems)
    return Check("model store", "fail", f"{shown} ({counted})",
                 f"do not use {', '.join(bad)}: run medsum models verify {bad[0]} for the details, then remove "
                 f"{store / bad[0]} and import it again from its checkpoint or bundle "
                 f"(medsum models import DIR --name {bad[0]})")


def _audit_log(root: Path) -> Check:
    from core.audit import audit_path, verify_audit
    from core.secrets import SecretStoreError

    try:
        result = verify_audit(root)
    except SecretStoreError as exc:
        return Check("audit log", "warn", f"not checked: the audit key cannot be read ({exc})",
                     "make the keyring usable (see the keyring check), then run medsum doctor again")
    except MedsumError as exc:
        return Check("audit log", "fail", str(exc), f"check that {audit_path(root).parent} and the privacy ledger "
                     "are readable by you, then run medsum audit verify")
    if result.ok:
        entries = f"{result.entries} {'entry' if result.entries == 1 else 'entries'}"
        return Check("audit log", "ok", f"chain intact, {entries}, its end matches the head in the privacy ledger, "
                     "the ledger's seal holds and neither is behind the anchor")
    return Check("audit log", "fail", f"{audit_path(root)}: broken after {result.entries} good entries: {result.reason}",
                 "the log or the privacy ledger was changed, cut, rolled back or deleted: keep a copy of the "
                 "workspace for your security officer; audited commands refuse to run until it is resolved")


def _leftovers(location: WorkspaceLocation) -> Check:
    """Temporaries of killed processes in the workspace: their count, size and names (never content)."""
    found = find_leftovers(location.path)
    if not found:
        return Check("leftovers", "ok", "no temporary files of killed processes")
    names = ", ".join(str(item.path.relative_to(location.path)) for item in found[:_SHOWN])
    more = f" and {len(found) - _SHOWN} more" if len(found) > _SHOWN else ""
    return Check("leftovers", "warn",
                 f"{len(found)} temporary file(s) of killed processes, {format_size(sum(i.size for i in found))}: "
                 f"{names}{more}",
                 f"medsum init --workspace {location.path} (or any command that opens the workspace) removes them")


def _store_records(root: Path) -> Check:
    """Reconcile the intents of killed imports, then look for datasets and models that are not
    recorded (see :mod:`core.recorded`)."""
    from core.intents import intents_dir, reconcile_intents
    from core.recorded import unrecorded_items

    try:
        outcomes = [o for o in reconcile_intents(root) if o.outcome != "cleared"]
        unrecorded = unrecorded_items(root)
    except (MedsumError, OSError) as exc:
        return Check("store records", "fail", f"cannot check: {one_line(exc)}",
                     "check that the workspace's privacy/ folder and ledger are readable by you")
    pending = [o for o in outcomes if o.outcome == "pending"]
    done = "; ".join(o.describe() for o in outcomes if o.outcome != "pending")
    if not pending and not unrecorded:
        if done:
            return Check("store records", "warn", f"interrupted imports reconciled: {done}")
        return Check("store records", "ok", "every dataset in the store is recorded in the privacy ledger and "
                     "every model's import in the audit log and its keyed manifest")
    problems = [o.describe() for o in pending] + [
        f"dataset {item.name} ({item.path.relative_to(root)}) is not recorded in the privacy ledger "
        "(copied in by hand, changed, or its import was cut off): it cannot be used" if item.kind == "dataset"
        else item.why for item in unrecorded]
    fixes = []
    if any(o.kind == "intent" for o in pending):
        fixes.append(f"move the unreadable intent files out of {intents_dir(root)}")
    if any(o.kind != "intent" for o in pending):
        fixes.append("make the keyring and the audit log usable (see the keyring and audit log checks), "
                     "then run medsum doctor again")
    for item in unrecorded:
        again = "medsum data import INPUT --name" if item.kind == "dataset" else "medsum models import DIR --name"
        fixes.append(f"move {item.path} out of the workspace, then import it again ({again} {item.name})")
    detail = "; ".join(problems[:_SHOWN]) + (f"; and {len(problems) - _SHOWN} more" if len(problems) > _SHOWN else "")
    return Check("store records", "fail", detail + (f" (also: {done})" if done else ""), "; ".join(fixes))


def _workspace(location: WorkspaceLocation, *, contents: bool, hash_models: bool) -> list[Check]:
    where = f"{location.path} (from {location.source})"
    if not location.initialized:
        skipped = "not checked: the workspace is not initialized"
        return [Check("workspace", "warn", f"{where} is not initialized", f"medsum init --workspace {location.path}"),
                *([Check("model store", "warn", skipped), Check("audit log", "warn", skipped)] if contents else [])]
    problem = permission_problem(location.path)
    checks = [Check("workspace", "fail" if problem else "ok", problem or f"{where}, mode 0700",
                    f"chmod 700 {location.path}" if problem else ""), _config(location), _disk(location)]
    if contents:
        records = _store_records(location.path)  # first: it may complete an audit entry the audit check then sees
        checks += [_model_store(location.path, hash_files=hash_models), _audit_log(location.path), records,
                   _leftovers(location)]
    return checks


def run_checks(location: WorkspaceLocation, *, contents: bool = False, hash_models: bool = True,
               load_torch: bool = True) -> list[Check]:
    """Run the checks, in report order: the installation, offline mode, the network guard and the
    OS-level block under it, the keyring and the workspace.

    With ``contents`` (``medsum doctor``) also every stored model against its manifest, the
    audit chain, the store's records in the privacy ledger (reconciling interrupted imports) and
    the temporaries of killed processes; these read the weights and the audit key (which an
    encrypted keyring file may ask a passphrase for), so the TUI's dashboard, which refreshes
    often, leaves them out.
    ``hash_models=False`` compares stored models' file sizes only (``medsum doctor --quick``).
    ``load_torch=False`` (the dashboard) checks torch without importing it, unless it is loaded
    already: see :func:`_torch`.
    """
    return [_python(), _libraries(), _torch(load=load_torch), _offline_env(), _guard(), _os_block(), _keyring(location),
            *_workspace(location, contents=contents, hash_models=hash_models)]
