"""``medsum budget`` (the privacy spend per dataset, and the compliance report) and
``medsum budget reconcile`` (settle the reservations of runs whose process is gone)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from core.errors import MedsumError
from medsum_tui.cli._runtime import (
    WorkspaceOption,
    open_initialized,
    print_table,
    require_parent_dir,
    say,
    warn,
)
from medsum_tui.cli._json import emit_json
from medsum_tui.cli.app import app

__all__ = ["budget_app", "budget_command", "reconcile_command"]

budget_app = typer.Typer(help="The privacy budget: spend per dataset, the compliance report, reconciliation.",
                         invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
app.add_typer(budget_app, name="budget")


def _policy(policy: dict[str, Any]) -> str:
    if policy["max_epsilon"] is None and policy["max_delta"] is None:
        return "none"
    parts = []
    if policy["max_epsilon"] is not None:
        parts.append(f"eps {policy['max_epsilon']:g}")
    if policy["max_delta"] is not None:
        parts.append(f"delta {policy['max_delta']:g}")
    return f"{', '.join(parts)} ({policy['source']})"


def _row(data: dict[str, Any]) -> tuple[str, ...]:
    from core.budget import format_delta, format_epsilon

    spend = data["spend"]
    composed = "unbounded" if spend["unbounded"] else format_epsilon(spend["composed_epsilon"] or 0.0)
    within = {None: "", True: "", False: " OVER"}[spend["within_policy"]]
    return (data["name"], _policy(data["policy"]), composed + within, format_epsilon(spend["naive_epsilon"] or 0.0),
            format_delta(spend["delta"]), "yes" if spend["unbounded"] else "no",
            f"{spend['private_runs']}/{spend['nonprivate_runs']}/{spend['reserved_runs']}")


def _json_dataset(data: dict[str, Any]) -> dict[str, Any]:
    """One dataset of ``medsum budget --json``: spent, policy, within, the non-private runs, flags."""
    spend = data["spend"]
    return {
        "name": data["name"], "fingerprint": data["fingerprint"], "records": data["records"],
        "patients": data["patients"], "policy": data["policy"],
        "spent": {k: spend[k] for k in ("composed_epsilon", "private_composed_epsilon", "naive_epsilon",
                                        "naive_delta", "delta", "accountant", "unbounded", "unit")},
        "within_policy": spend["within_policy"],
        "runs": {"private": spend["private_runs"], "nonprivate": spend["nonprivate_runs"],
                 "reserved": spend["reserved_runs"]},
        "nonprivate_runs": [r["run_id"] for r in data["runs"] if r.get("unbounded")],
        "flags": data["flags"],
    }


def _problem(message: str) -> None:
    """One problem line on stderr (what ``--check`` prints, and nothing else)."""
    typer.echo(f"medsum: error: {message}", err=True)


def _over(data: dict[str, Any]) -> str:
    """Why a dataset is over its policy, in one line (its flag says it)."""
    reason = next((f for f in data["flags"] if f.startswith("over the policy")), "over the policy")
    return f"dataset {data['name']}: {reason}"


@budget_app.callback()
def budget_command(
    ctx: typer.Context,
    dataset: Annotated[str | None, typer.Option("--dataset", help="Only this dataset.")] = None,
    report: Annotated[Path | None, typer.Option(
        "--report", help="Write the compliance report: FILE.md (Markdown) or FILE.json.")] = None,
    check: Annotated[bool, typer.Option(
        "--check", help="Print only problems; exit 1 when a dataset is over its policy.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the spend per dataset as JSON (medsum.budget).")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Show the privacy spend per dataset: policy, composed and naive epsilon, delta, runs.

    Exits 1 when a dataset is over its budget policy, or when the audit log fails verification
    (with --report, the report is still written and says so)."""
    if ctx.invoked_subcommand is not None:
        return
    from core.audit import verify_audit
    from core.report import budget_summary

    if check and as_json:
        raise MedsumError("--check and --json: choose one", exit_code=2)
    opened = open_initialized(workspace)
    require_parent_dir(report)
    trail = verify_audit(opened.root)  # the spend is only as good as the ledger it is read from
    if not trail.ok:
        if report is not None:
            _export(opened, report, dataset, quiet=check or as_json)
        raise MedsumError(f"the privacy ledger and the audit log do not check out, so the spend cannot be shown: "
                          f"{trail.reason}; run `medsum audit verify`"
                          + (f" (the report {report} was written and says so)" if report is not None else ""))
    summary = budget_summary(opened.root, opened.loaded, dataset)
    over = [d for d in summary if d["spend"]["within_policy"] is False]
    if not (as_json or check):
        _show(summary)
    exported = _export(opened, report, dataset, quiet=check or as_json) if report is not None else None
    if as_json:
        emit_json("budget", {"datasets": [_json_dataset(d) for d in summary],
                             "over_policy": [d["name"] for d in over], "audit": trail.to_json(),
                             "report": exported})
    elif check:
        for data in over:
            _problem(_over(data))
    if exported is not None and not exported["audit_ok"]:  # the log broke between the check and the report
        _problem(f"the report {report} says the audit log FAILED verification")
    if over or (exported is not None and not exported["audit_ok"]):
        raise typer.Exit(1)


def _show(summary: list[dict[str, Any]]) -> None:
    """The spend table and each dataset's flags (warnings)."""
    if not summary:
        say("No datasets or runs in this workspace yet.")
        return
    rows = [("DATASET", "POLICY", "COMPOSED EPS", "NAIVE EPS", "DELTA", "UNBOUNDED", "RUNS P/NP/RES")]
    print_table(rows + [_row(d) for d in summary])
    for data in summary:
        for flag in data["flags"]:
            warn(f"{data['name']}: {flag}")


def _export(opened: Any, report: Path, dataset: str | None, *, quiet: bool) -> dict[str, Any]:
    """Write the compliance report; say where, with the file's SHA-256 and the export entry."""
    from core.report_export import export_compliance_report

    done = export_compliance_report(opened.root, opened.loaded, report, dataset)
    entry = f"audit entry seq {done.audit_seq}" if done.audit_seq is not None else "NOT in the audit log"
    if not quiet:
        say(f"Report: {report} (sha256 {done.sha256}; body sha256 {done.body_sha256}, {entry})")
    return {"path": str(report), "sha256": done.sha256, "body_sha256": done.body_sha256,
            "audit_seq": done.audit_seq, "audit_ok": done.audit_ok}


@budget_app.command("reconcile")
def reconcile_command(workspace: WorkspaceOption = None) -> None:
    """Settle the reservations of runs whose process is gone (kill -9, lost SSH), with the steps they spent."""
    from core.budget import format_epsilon
    from core.reconcile import reconcile

    opened = open_initialized(workspace)
    results = reconcile(opened.root)
    if not results:
        say("Nothing to reconcile: no run is still reserved.")
    for item in results:
        if item.settled:
            eps = "non-private" if item.epsilon is None else f"epsilon {format_epsilon(item.epsilon)}"
            say(f"Settled {item.run_id} (dataset {item.dataset}): {item.steps_done} steps, {eps}; {item.reason}")
        else:
            say(f"Left {item.run_id} (dataset {item.dataset}) reserved: {item.reason}")
