"""The workspace's privacy ledger: where it lives, opened with user-facing errors."""

from __future__ import annotations

from pathlib import Path

from core.errors import MedsumError
from privacy.ledger import Ledger, LedgerError
from privacy.ledger_seal import seal_key

__all__ = ["LedgerFailure", "ledger_path", "open_ledger"]


class LedgerFailure(MedsumError):
    """The privacy ledger cannot be opened or a change to it was refused (one line)."""


def ledger_path(root: Path) -> Path:
    """``<workspace>/privacy/ledger.sqlite``."""
    return Path(root) / "privacy" / "ledger.sqlite"


def open_ledger(root: Path, *, key: bytes | None = None) -> Ledger:
    """The ledger of the workspace at ``root`` (created, in a 0700 folder, on first use).

    ``key``, the audit key, lets it be written: each write renews its seal. Without it the
    ledger can be read, and writing a sealed one is refused."""
    try:
        return Ledger(ledger_path(root), seal_key=None if key is None else seal_key(key))
    except LedgerError as exc:
        raise LedgerFailure(str(exc)) from None
