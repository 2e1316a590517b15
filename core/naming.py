"""The one rule for names of things stored in the workspace (datasets, models)."""

from __future__ import annotations

import re

from core.errors import MedsumError

__all__ = ["check_name"]

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def check_name(name: str, what: str, error: type[MedsumError]) -> str:
    """Return ``name`` if it is a safe store name, else raise ``error`` (exit code 2).

    Safe: 1-100 letters, digits, ``.``, ``_`` or ``-``, starting with a letter or digit, so
    never a path separator, ``..`` or a hidden name. ``what`` ("model", "dataset") goes in the message.
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise error(f"invalid {what} name {name!r}: use 1-100 letters, digits, '.', '_' or '-', "
                    "starting with a letter or digit", exit_code=2)
    return name
