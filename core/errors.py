"""The error type for problems a user can fix; the CLI and TUI show it as one line."""

from __future__ import annotations

__all__ = ["InputError", "MedsumError", "one_line"]


class MedsumError(Exception):
    """A user-facing failure with a one-line message that names the file, record or field.

    ``exit_code`` is what the CLI exits with: 1 (the operation failed, or its check found a
    problem) unless the mistake is in the command line itself (a bad option value, options that
    conflict), which is a usage error, 2. There are no other codes (docs/cli.md, "Exit codes").
    """

    exit_code: int = 1

    def __init__(self, message: str = "", *, exit_code: int | None = None) -> None:
        """``exit_code`` overrides the class's (2 for a usage-type mistake, say)."""
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class InputError(MedsumError):
    """The input records are invalid; the message summarizes, ``problems`` lists each one.
    Exit code 1: the records are at fault, not the command line."""

    def __init__(self, message: str, problems: list | None = None) -> None:
        """``message`` summarizes; ``problems`` (each printed on its own line) names every one."""
        super().__init__(message)
        self.problems = list(problems or [])


def one_line(exc: BaseException, limit: int = 200) -> str:
    """``ExcType: first line of the message``, cut to ``limit`` characters: for a library
    error quoted inside a one-line MedSum message."""
    text = (str(exc).strip().splitlines() or [""])[0]
    text = text if len(text) <= limit else text[: limit - 3] + "..."
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__
