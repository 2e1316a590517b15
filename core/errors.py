"""The error type for problems a user can fix; the CLI and TUI show it as one line."""

from __future__ import annotations

__all__ = ["MedsumError", "InputError"]


class MedsumError(Exception):
    """A user-facing failure with a one-line message that names the file, record or field.

    ``exit_code`` is what the CLI exits with.
    """

    exit_code: int = 1

    def __init__(self, message: str = "", *, exit_code: int | None = None) -> None:
        """``exit_code`` overrides the class's (2 for a usage-type mistake, say)."""
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class InputError(MedsumError):
    """The input records are invalid; the message summarizes, ``problems`` lists each one."""

    exit_code = 3

    def __init__(self, message: str, problems: list | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])
