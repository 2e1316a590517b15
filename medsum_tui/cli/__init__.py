"""The ``medsum`` command line: Typer commands over ``core``, with one-line errors.

Exit codes: 0 success, 1 failure, 2 usage or configuration error, 3 invalid input records,
130 interrupted.
"""

from __future__ import annotations

import sys

import click

from core.errors import InputError, MedsumError
from medsum_tui.cli import data_cmds, demo_cmd, doctor_cmd, synth_cmd, workspace_cmds  # noqa: F401  (register commands)
from medsum_tui.cli.app import app
from privacy.offline import NetworkBlockedError

__all__ = ["app", "main"]


def _error(message: str) -> None:
    print(f"medsum: error: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv``) and return the exit code.

    User errors print one line on stderr; only bugs show a traceback.
    """
    try:
        result = app(args=argv, prog_name="medsum", standalone_mode=False)
        return result if isinstance(result, int) else 0
    except InputError as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        _error(str(exc))
        return exc.exit_code
    except MedsumError as exc:
        _error(str(exc))
        return exc.exit_code
    except NetworkBlockedError as exc:
        _error(str(exc))
        return 1
    except click.exceptions.Abort:
        _error("interrupted")
        return 130
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
