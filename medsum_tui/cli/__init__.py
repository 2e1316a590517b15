"""The ``medsum`` command line: Typer commands over ``core``, with one-line errors.

Exit codes: 0 success, 1 failure, 2 usage or configuration error, 3 invalid input records,
130 interrupted.
"""

from __future__ import annotations

import sys

from core.errors import InputError, MedsumError
from core.guard import configure_entry_guard
from medsum_tui.cli import (  # noqa: F401  (register commands)
    audit_cmds, budget_cmds, data_cmds, dataset_cmds, deid_cmds, demo_cmd, doctor_cmd, eval_cmd, models_cmds, synth_cmd,
    train_cmd, tui_cmd, workspace_cmds,
)
from medsum_tui.cli import summarize_cmd  # noqa: F401  (register the command)
from medsum_tui.cli.app import app
from privacy.audit import AuditError
from privacy.ledger import LedgerError
from privacy.offline import NetworkBlockedError

__all__ = ["app", "main"]


def _error(message: str) -> None:
    print(f"medsum: error: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv``) and return the exit code.

    User errors print one line on stderr; only bugs show a traceback. Bare ``medsum`` in a
    terminal (stdin and stdout both a TTY) opens the TUI; elsewhere it prints the help.
    The network guard is on before the arguments are parsed (even for ``--help``).
    """
    configure_entry_guard()
    if not (sys.argv[1:] if argv is None else argv) and sys.stdin.isatty() and sys.stdout.isatty():
        argv = ["tui"]
    try:
        app(args=argv, prog_name="medsum")
    except SystemExit as exc:  # Typer/Click end every run this way, with the exit code
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        _error(str(exc.code))
        return 1
    except InputError as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        _error(str(exc))
        return exc.exit_code
    except MedsumError as exc:
        _error(str(exc))
        return exc.exit_code
    except (NetworkBlockedError, LedgerError, AuditError) as exc:
        _error(str(exc))
        return 1
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    return 0
