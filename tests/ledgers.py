"""The privacy ledger as MedSum itself writes it, for tests that fill one by hand."""

from __future__ import annotations

from pathlib import Path

from core.audit import Auditor
from privacy.ledger import Ledger


def sealed_ledger(root: Path) -> Ledger:
    """The ledger of the workspace at ``root`` opened as the product opens it to write (through
    its :class:`~core.audit.Auditor`: audit key created if new, workspace anchored), so rows
    written through it are sealed as the product's own writes are."""
    return Auditor(root).ledger
