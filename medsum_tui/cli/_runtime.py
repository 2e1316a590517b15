"""What every command shares: the ``--workspace`` option, the guard setup, and output.

Output comes in two kinds. :func:`emit` prints a command's result (a table, a dataset's
details, summaries): scripts read it, so ``--quiet`` never drops it. :func:`say` prints
narration (what was done, where a file went, hints), which ``medsum -q`` drops. Warnings and
errors go to stderr and are never dropped; ``--json`` output goes through
:func:`medsum_tui.cli._json.emit_json`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from core.config import LoadedConfig, load_config
from core.errors import MedsumError
from core.guard import configure_network_guard
from core.workspace import Workspace, WorkspaceLocation, open_workspace, resolve_workspace

__all__ = ["JsonOption", "WorkspaceOption", "emit", "is_quiet", "locate", "open_initialized", "print_table", "require_parent_dir",
           "say", "set_quiet", "settings_for_command", "warn", "warn_unrecorded"]

_quiet = False

JsonOption = Annotated[
    bool,
    typer.Option("--json", help="Print the result as one JSON object on stdout, and nothing else there "
                                "(schemas: docs/cli.md, JSON output)."),
]

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
    """Print rows in left-aligned columns, as a command's result (:func:`emit`). The first row
    is the header, printed in lowercase: every table of the CLI has lowercase headers."""
    rows = [tuple(cell.lower() for cell in rows[0]), *rows[1:]]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        emit("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def require_parent_dir(*paths: Path | None) -> None:
    """Fail early, in one line, when an output file's directory does not exist."""
    for path in paths:
        if path is not None and not path.parent.is_dir():
            raise MedsumError(f"{path}: directory {path.parent} does not exist")


def set_quiet(quiet: bool) -> None:
    """Drop (True) or print (False) the narration of :func:`say` and the progress bars: the
    global ``-q/--quiet`` option sets it before each command, and ``--json`` sets it (stdout
    then holds the JSON object alone)."""
    global _quiet
    _quiet = quiet


def is_quiet() -> bool:
    """Whether ``-q/--quiet`` is on: progress bars and :func:`say` stay silent."""
    return _quiet


def say(message: str = "", *, err: bool = False) -> None:
    """Print a line of narration (on stderr with ``err``); ``--quiet`` drops it."""
    if not _quiet:
        typer.echo(message, err=err)


def emit(message: str = "") -> None:
    """Print a line of the command's result on stdout; ``--quiet`` never drops it."""
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
