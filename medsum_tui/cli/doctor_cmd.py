"""``medsum doctor``: report on the installation, offline guarantees and workspace."""

from __future__ import annotations

from typing import Annotated

import typer

from core.config import ConfigError, load_config
from core.doctor import run_checks
from core.guard import configure_network_guard
from medsum_tui.cli._json import emit_json
from medsum_tui.cli._runtime import JsonOption, WorkspaceOption, emit, is_quiet, locate, set_quiet
from medsum_tui.cli.app import app

_MARK = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL"}


@app.command("doctor")
def doctor_command(
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
    quick: Annotated[bool, typer.Option(
        "--quick", help="Check stored models' file sizes only, without re-hashing their weights.",
    )] = False,
) -> None:
    """Check Python, torch/CUDA, offline mode, the network guard and the OS-level block under it,
    the keyring, the workspace, the model store (every manifest) and the audit chain; exit 1
    with the fix when a check fails. Under --quiet, only the checks that warn or fail are printed."""
    quiet = is_quiet()
    if as_json:
        set_quiet(True)
    location = locate(workspace)
    # Doctor reports a broken workspace or config instead of refusing to run on it.
    try:
        configure_network_guard(load_config(location.config_file if location.initialized else None))
    except ConfigError:
        configure_network_guard(None)
    checks = run_checks(location, contents=True, hash_models=not quick)
    failed = any(c.status == "fail" for c in checks)
    if as_json:
        emit_json("doctor", {"ok": not failed, "checks": [c.to_json() for c in checks]})
    else:
        for check in checks:
            if quiet and check.status == "ok":
                continue
            emit(f"[{_MARK[check.status]}] {check.name}: {check.detail}")
            if check.fix:
                emit(f"       fix: {check.fix}")
    if failed:
        raise typer.Exit(1)
