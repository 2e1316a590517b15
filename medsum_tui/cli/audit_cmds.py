"""``medsum audit verify``: check the audit log's chain, keys and head."""

from __future__ import annotations

import typer

from core.errors import MedsumError
from medsum_tui.cli._runtime import WorkspaceOption, open_initialized, say
from medsum_tui.cli.app import app

__all__ = ["audit_app", "verify_command"]

audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True,
                        context_settings={"help_option_names": ["-h", "--help"]})
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify_command(workspace: WorkspaceOption = None) -> None:
    """Verify every audit entry's key and chain, the log's end against the ledger, the ledger's
    seal, and both against the anchor in the secret store; exit 1 on any break."""
    from core.audit import audit_event, verify_audit

    opened = open_initialized(workspace)
    result = verify_audit(opened.root)
    if not result.ok:
        say(f"Audit log: FAILED after {result.entries} good entries")
        raise MedsumError(f"audit log: {result.reason}")
    say(f"Audit log: OK, {result.entries} {'entry' if result.entries == 1 else 'entries'}")
    audit_event(opened.root, "audit.verify", ok=True, entries=result.entries)
