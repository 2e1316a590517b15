"""The workspace's privacy ledger: where it lives, opened with user-facing errors."""

from __future__ import annotations

from pathlib import Path

from core.errors import MedsumError
from privacy.ledger import Ledger, LedgerError

__all__ = ["LedgerFailure", "ledger_path", "open_ledger"]


class LedgerFailure(MedsumError):
    """The privacy ledger cannot be opened or a change to it was refused (one line)."""


def ledger_path(root: Path) -> Path:
    """``<workspace>/privacy/ledger.sqlite``."""
    return Path(root) / "privacy" / "ledger.sqlite"


def open_ledger(root: Path) -> Ledger:
    """The ledger of the workspace at ``root`` (created, in a 0700 folder, on first use)."""
    try:
        return Ledger(ledger_path(root))
    except LedgerError as exc:
        raise LedgerFailure(str(exc)) from None
