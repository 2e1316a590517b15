"""``medsum doctor``: report on the installation, offline guarantees and workspace."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from core.config import ConfigError, load_config
from core.doctor import run_checks
from core.guard import configure_network_guard
from medsum_tui.cli._runtime import WorkspaceOption, locate, say
from medsum_tui.cli.app import app

_MARK = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL"}


@app.command("doctor")
def doctor_command(
    workspace: WorkspaceOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    quick: Annotated[bool, typer.Option(
        "--quick", help="Check stored models' file sizes only, without re-hashing their weights.",
    )] = False,
) -> None:
    """Check Python, torch/CUDA, offline mode, the network guard and the OS-level block under it,
    the keyring, the workspace, the model store (every manifest) and the audit chain; exit 1
    with the fix when a check fails."""
    location = locate(workspace)
    # Doctor reports a broken workspace or config instead of refusing to run on it.
    try:
        configure_network_guard(load_config(location.config_file if location.initialized else None))
    except ConfigError:
        configure_network_guard(None)
    checks = run_checks(location, contents=True, hash_models=not quick)
    failed = any(c.status == "fail" for c in checks)
    if as_json:
        say(json.dumps({"ok": not failed, "checks": [c.to_json() for c in checks]}, indent=2))
    else:
        for check in checks:
            say(f"[{_MARK[check.status]}] {check.name}: {check.detail}")
            if check.fix:
                say(f"       fix: {check.fix}")
    if failed:
        raise typer.Exit(1)
