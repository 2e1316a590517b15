"""What every command shares: the ``--workspace`` option, the guard setup, and output."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from core.config import LoadedConfig, load_config
from core.errors import MedsumError
from core.guard import configure_network_guard
from core.workspace import Workspace, WorkspaceLocation, open_workspace, resolve_workspace

__all__ = ["WorkspaceOption", "locate", "open_initialized", "print_table", "require_parent_dir", "say",
           "settings_for_command", "warn", "warn_unrecorded"]

WorkspaceOption = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace directory (default: $MEDSUM_HOME, else the user data directory).",
        show_default=False,
    ),
]


def locate(workspace: Path | None) -> WorkspaceLocation:
    """Resolve the workspace the one way every command does."""
    return resolve_workspace(workspace)


def settings_for_command(workspace: Path | None) -> tuple[WorkspaceLocation, LoadedConfig]:
    """Settings for a command that works with or without an initialized workspace.

    Uses the workspace's config when ``medsum init`` has run there, else the defaults, with
    the IT policy applied either way; then sets the network guard accordingly.
    """
    location = locate(workspace)
    loaded = open_workspace(location).loaded if location.initialized else load_config(None)
    configure_network_guard(loaded)
    return location, loaded


def open_initialized(workspace: Path | None) -> Workspace:
    """The initialized workspace (``medsum init`` makes one), with the network guard set from it."""
    opened = open_workspace(locate(workspace))
    configure_network_guard(opened.loaded)
    return opened


def print_table(rows: list[tuple[str, ...]]) -> None:
    """Print rows (the first is the header) in left-aligned columns."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        say("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def require_parent_dir(*paths: Path | None) -> None:
    """Fail early, in one line, when an output file's directory does not exist."""
    for path in paths:
        if path is not None and not path.parent.is_dir():
            raise MedsumError(f"{path}: directory {path.parent} does not exist")


def say(message: str = "") -> None:
    """Print a line of normal output."""
    typer.echo(message)


def warn(message: str) -> None:
    """Print a warning line on stderr."""
    typer.echo(f"medsum: warning: {message}", err=True)
    sys.stderr.flush()


def warn_unrecorded(root: Path, kind: str) -> None:
    """Warn about each ``kind`` ("dataset", "model") in the store that a listing leaves out
    because it is not recorded (see :mod:`core.recorded`)."""
    from core.intents import KINDS, pending_names
    from core.recorded import unrecorded_items, why_unusable

    store = Path(root) / KINDS[kind].store
    reasons = {item.name: item.why for item in unrecorded_items(root) if item.kind == kind}
    reasons |= {name: why_unusable(kind, name, root) for name in pending_names(root, kind) if (store / name).is_dir()}
    for name in sorted(reasons):
        warn(reasons[name])
