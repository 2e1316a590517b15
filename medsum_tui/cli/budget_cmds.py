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


@budget_app.callback()
def budget_command(
    ctx: typer.Context,
    dataset: Annotated[str | None, typer.Option("--dataset", help="Only this dataset.")] = None,
    report: Annotated[Path | None, typer.Option(
        "--report", help="Write the compliance report: FILE.md (Markdown) or FILE.json.")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Show the privacy spend per dataset: policy, composed and naive epsilon, delta, runs."""
    if ctx.invoked_subcommand is not None:
        return
    from core.audit import verify_audit
    from core.report import budget_summary, export_report

    opened = open_initialized(workspace)
    require_parent_dir(report)
    trail = verify_audit(opened.root)  # the spend is only as good as the ledger it is read from
    if not trail.ok:
        raise MedsumError(f"the privacy ledger and the audit log do not check out, so the spend cannot be shown: "
                          f"{trail.reason}; run `medsum audit verify`")
    summary = budget_summary(opened.root, opened.loaded, dataset)
    if not summary:
        say("No datasets or runs in this workspace yet.")
    else:
        rows = [("DATASET", "POLICY", "COMPOSED EPS", "NAIVE EPS", "DELTA", "UNBOUNDED", "RUNS P/NP/RES")]
        print_table(rows + [_row(d) for d in summary])
        for data in summary:
            for flag in data["flags"]:
                warn(f"{data['name']}: {flag}")
    if report is not None:
        digest = export_report(opened.root, opened.loaded, report, dataset)
        say(f"Report: {report} (sha256 {digest})")


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
