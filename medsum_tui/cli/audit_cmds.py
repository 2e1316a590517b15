"""``medsum audit verify`` and ``medsum audit show``: check the audit log, and read it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer

from core.errors import MedsumError
from medsum_tui.cli._json import emit_json
from medsum_tui.cli._runtime import WorkspaceOption, open_initialized, print_table, say, warn
from medsum_tui.cli.app import app

__all__ = ["audit_app", "entry_summary", "parse_when", "show_command", "verify_command"]

audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True,
                        context_settings={"help_option_names": ["-h", "--help"]})
app.add_typer(audit_app, name="audit")

JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as one JSON document (docs/cli.md).")]
_SUMMARY_WIDTH = 80


@audit_app.command("verify")
def verify_command(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """Verify every audit entry's key and chain, the log's end against the ledger, the ledger's
    seal, and both against the anchor in the secret store; exit 1 on any break."""
    from core.audit import audit_event, verify_audit

    opened = open_initialized(workspace)
    result = verify_audit(opened.root)
    if as_json:
        emit_json("audit.verify", result.to_json())
    if not result.ok:
        if not as_json:
            say(f"Audit log: FAILED after {result.entries} good entries")
        raise MedsumError(f"audit log: {result.reason}")
    if not as_json:
        say(f"Audit log: OK, {result.entries} {'entry' if result.entries == 1 else 'entries'}")
    audit_event(opened.root, "audit.verify", ok=True, entries=result.entries)


@audit_app.command("show")
def show_command(
    op: Annotated[str | None, typer.Option("--op", help="Only this operation (e.g. summarize, records.view).")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Only entries at or after this date or time "
                                                              "(YYYY-MM-DD or ISO 8601; UTC unless it says).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Only entries up to this date (the whole day) or "
                                                              "time.")] = None,
    user: Annotated[str | None, typer.Option("--user", help="Only this OS user (its token too, when hashed).")] = None,
    unverified: Annotated[bool, typer.Option("--unverified", help="Show the entries of a log that fails "
                                                                  "verification (still exits 1).")] = False,
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Read the audit trail: seq, time, user, host, operation and what it touched, oldest first.

    The log is verified first; one that fails is not shown (exit 1, naming the first bad
    entry) unless --unverified is given. Reading the trail appends nothing to it.
    """
    from core.audit import actor_tokens, read_entries, verify_audit

    start = parse_when(since, "--since", end=False)
    stop = parse_when(until, "--until", end=True)
    opened = open_initialized(workspace)
    result = verify_audit(opened.root)
    if not result.ok and not unverified:
        if as_json:
            emit_json("audit", {"verified": False, "verification": result.to_json(), "count": 0, "entries": []})
        else:
            say(f"Audit log: FAILED after {result.entries} good entries; nothing shown (--unverified shows it)")
        raise MedsumError(f"audit log: {result.reason}")
    users = actor_tokens(opened.root, user) if user is not None else None
    shown = [_normalized(e) for e in read_entries(opened.root) if _wanted(e, op, start, stop, users)]
    if as_json:
        emit_json("audit", {"verified": result.ok, "verification": result.to_json(),
                            "filters": {"op": op, "since": since, "until": until, "user": user},
                            "count": len(shown), "entries": shown})
    else:
        if result.ok:
            say(f"Audit log: verified, {result.entries} {'entry' if result.entries == 1 else 'entries'}; "
                f"{len(shown)} shown")
        else:
            warn(f"the audit log FAILED verification ({result.reason}); these entries may be forged")
        if shown:
            print_table([("SEQ", "TIME (UTC)", "USER", "HOST", "OP", "FIELDS"),
                         *[(str(e["seq"]), _time_text(e["time"]), e["user"] or "-", e["host"] or "-", str(e["op"]),
                            entry_summary(e["fields"])) for e in shown]])
    if not result.ok:
        raise MedsumError(f"audit log: {result.reason}")


def parse_when(text: str | None, option: str, *, end: bool) -> datetime | None:
    """``text`` as an aware UTC time, or None when not given. A bare date is the start of that
    day, or with ``end`` the end of it; a time without a zone is UTC. A usage error (exit 2),
    naming ``option``, when it is neither."""
    if text is None:
        return None
    try:
        if len(text.strip()) == 10:
            day = datetime.strptime(text.strip(), "%Y-%m-%d").replace(tzinfo=UTC)
            return day + timedelta(days=1) - timedelta(microseconds=1) if end else day
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise MedsumError(f"{option} {text!r}: not a date (YYYY-MM-DD) or an ISO 8601 time "
                          "(2026-01-31T14:00, UTC unless it gives a zone)", exit_code=2) from None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _entry_time(entry: dict[str, Any]) -> datetime | None:
    try:
        when = datetime.fromisoformat(str(entry.get("time")))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _wanted(entry: dict[str, Any], op: str | None, start: datetime | None, stop: datetime | None,
            users: set[str] | None) -> bool:
    """Whether ``entry`` passes the filters (an entry without an actor matches no ``--user``)."""
    if op is not None and entry.get("op") != op:
        return False
    if users is not None and entry.get("user") not in users:
        return False
    if start is None and stop is None:
        return True
    when = _entry_time(entry)
    return when is not None and (start is None or when >= start) and (stop is None or when <= stop)


def _normalized(entry: dict[str, Any]) -> dict[str, Any]:
    """The entry as written, with ``user`` and ``host`` null for an entry from before actors."""
    return {"seq": entry.get("seq"), "time": entry.get("time"), "user": entry.get("user"),
            "host": entry.get("host"), "op": entry.get("op"),
            "fields": entry.get("fields") if isinstance(entry.get("fields"), dict) else {},
            "prev": entry.get("prev"), "mac": entry.get("mac")}


def _time_text(value: Any) -> str:
    when = _entry_time({"time": value})
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if when is not None else str(value)


def _value_text(key: str, value: Any) -> str:
    if isinstance(value, list):
        if key == "record_ids":
            return ",".join(str(v) for v in value[:3]) + (f",+{len(value) - 3}" if len(value) > 3 else "")
        return f"[{len(value)}]"
    if isinstance(value, dict):
        return "{…}"
    text = str(value).lower() if isinstance(value, bool) else str(value)
    if len(text) == 64 and all(c in "0123456789abcdef" for c in text):
        return text[:12] + "…"  # a SHA-256: enough to tell it apart
    return text if len(text) <= 32 else text[:31] + "…"


def entry_summary(fields: dict[str, Any]) -> str:
    """One short line of an entry's fields (``key=value``, hashes and lists shortened; unset ones left out)."""
    parts = [f"{k}={_value_text(k, v)}" for k, v in fields.items() if v is not None and k != "record_ids_sha256"]
    line = " ".join(parts)
    return line if len(line) <= _SUMMARY_WIDTH else line[:_SUMMARY_WIDTH - 1] + "…"
