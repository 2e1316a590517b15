"""The ``medsum`` command line: Typer commands over ``core``, with one-line errors.

The exit-code contract, the same for every command (docs/cli.md, "Exit codes"):

- 0: done;
- 1: the operation failed, or its check found a problem (invalid records, a budget refused,
  an audit that does not verify, a bad config file...);
- 2: a usage error: a bad or missing option or argument, an unknown command, options that
  conflict. Printed as one line, ``medsum: error: ...``, never a Rich box;
- 130: interrupted (Ctrl-C).

:func:`main` is the one place that turns what a command raised into that code and line.
"""

from __future__ import annotations

import sys

import typer

try:  # Typer 0.22+ carries its own copy of Click, whose exceptions are these
    from typer._click import exceptions as click
except ImportError:  # older Typer runs on Click itself
    from click import exceptions as click  # type: ignore[no-redef]

from core.errors import InputError, MedsumError
from core.guard import configure_entry_guard
from medsum_tui.cli import (  # noqa: F401  (register commands)
    audit_cmds, budget_cmds, data_cmds, dataset_cmds, deid_cmds, demo_cmd, doctor_cmd, eval_cmd, models_cmds, synth_cmd,
    train_cmd, tui_cmd, workspace_cmds,
)
from medsum_tui.cli import summarize_cmd  # noqa: F401  (register the command)
from medsum_tui.cli import privacy_audit_cmd  # noqa: F401  (register the command)
from medsum_tui.cli._runtime import set_quiet
from medsum_tui.cli.app import app
from privacy.audit import AuditError
from privacy.ledger import LedgerError
from privacy.offline import NetworkBlockedError

__all__ = ["EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "app", "main"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def _error(message: str) -> None:
    print(f"medsum: error: {message}", file=sys.stderr)


def _usage_error(exc: click.UsageError) -> int:
    """One line for Click's usage errors (no box, no usage block), naming the command's help.
    A group given no command (bare ``medsum`` without a terminal, ``medsum data``) prints its
    help on stdout first."""
    command = exc.ctx.command_path if exc.ctx is not None else "medsum"
    if isinstance(exc, click.NoArgsIsHelpError):
        if exc.ctx is not None:
            text = exc.ctx.get_help()  # Typer's Rich help prints itself and returns ""
            if text:
                typer.echo(text)
        _error(f"missing command (see {command} --help)")
    else:
        message = " ".join(exc.format_message().split()).rstrip(".")
        _error(f"{message} (see {command} --help)")
    return EXIT_USAGE


def main(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv``) and return the exit code.

    User errors print one line on stderr; only bugs show a traceback. Bare ``medsum`` in a
    terminal (stdin and stdout both a TTY) opens the TUI; elsewhere it prints the help.
    The network guard is on before the arguments are parsed (even for ``--help``).
    Click runs with ``standalone_mode=False`` so that its usage errors come here, to be
    printed as one line with exit code 2 (see the module docstring for the contract).
    """
    configure_entry_guard()
    set_quiet(False)  # the callback sets it from -q; a run in the same process starts afresh
    if not (sys.argv[1:] if argv is None else argv) and sys.stdin.isatty() and sys.stdout.isatty():
        argv = ["tui"]
    try:
        result = typer.main.get_command(app).main(args=argv, prog_name="medsum", standalone_mode=False)
        if result == EXIT_INTERRUPTED:  # Typer turns a Ctrl-C inside a command into Exit(130)
            _error("interrupted")
        return result if isinstance(result, int) else EXIT_OK  # an int from typer.Exit, else the command's return
    except click.UsageError as exc:
        return _usage_error(exc)
    except typer.Abort:
        _error("aborted")
        return EXIT_FAILED
    except click.ClickException as exc:  # a file Click could not open, say
        _error(" ".join(exc.format_message().split()))
        return EXIT_FAILED
    except SystemExit as exc:  # a command that ends with sys.exit (the TUI)
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or EXIT_OK
        _error(str(exc.code))
        return EXIT_FAILED
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
        return EXIT_FAILED
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_INTERRUPTED
