"""``medsum privacy-audit RUN``: the empirical epsilon lower bound of a run trained with
``--audit-canaries N``, beside the accountant's epsilon (Steinke, Nasr and Jagielski 2023).

Exit 0 when the bound is at or below the accountant's epsilon (or the run is non-private),
1 when it is above it: a defect in the mechanism or the accounting."""

from __future__ import annotations

from typing import Annotated

import typer

from medsum_tui.cli._json import emit_json
from medsum_tui.cli._names import require_known
from medsum_tui.cli._runtime import WorkspaceOption, open_initialized, say, warn
from medsum_tui.cli.app import app

__all__ = ["DEFECT_STATEMENT", "privacy_audit_command"]

DEFECT_STATEMENT = ("A lower bound above the accountant's epsilon means a defect in the DP mechanism or its "
                    "accounting.")


@app.command("privacy-audit")
def privacy_audit_command(
    run: Annotated[str, typer.Argument(metavar="RUN", help="A finished run trained with --audit-canaries N.")],
    confidence: Annotated[float, typer.Option("--confidence", min=0.5, max=0.9999, help="Confidence of the lower bound.")] = 0.95,
    secrets_per_canary: Annotated[int, typer.Option("--secrets", min=1, help="Fresh secrets each canary's secret is ranked against (exposure).")] = 49,
    device: Annotated[str, typer.Option("--device", help="auto, cpu or cuda.")] = "auto",
    json_out: Annotated[bool, typer.Option("--json", help="Print the figures as JSON (schema medsum.privacy_audit).")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Score a run's audit canaries: empirical epsilon lower bound, membership AUC, exposure."""
    from core.canaries_audit import audit_run

    opened = open_initialized(workspace)
    require_known(opened.root, runs=[run])
    outcome = audit_run(opened.root, run, confidence=confidence, fresh_secrets=secrets_per_canary, device=device)
    audit = outcome.audit
    if json_out:
        emit_json("privacy_audit", outcome.summary())
    else:
        accountant = "none (non-private run)" if audit.accountant_epsilon is None else f"{audit.accountant_epsilon:.4g}"
        say(f"Run {run}: empirical epsilon lower bound {audit.epsilon_lower:.4g} at {audit.confidence:.0%} confidence "
            f"(accountant's epsilon: {accountant}, delta {audit.delta:g})")
        say(f"Canaries: {audit.canaries} ({audit.members} trained on); {audit.correct} of {audit.guesses} "
            f"membership guesses right; AUC {audit.auc:.3f}")
        if audit.exposure_mean is not None:
            say(f"Exposure of trained-on secrets: mean {audit.exposure_mean:.2f}, max {audit.exposure_max:.2f} bits "
                f"(of {_log2(secrets_per_canary + 1):.2f})" + ("" if outcome.exposure_nonmember_mean is None else
                f"; not trained on: mean {outcome.exposure_nonmember_mean:.2f}"))
        say("This is a lower bound, not the true epsilon; few canaries give weak bounds. " + DEFECT_STATEMENT)
    if audit.defect:
        warn(f"run {run}: DEFECT: the audited lower bound {audit.epsilon_lower:.4g} is above the accountant's "
             f"epsilon {audit.accountant_epsilon:.4g}")
        raise typer.Exit(1)


def _log2(value: int) -> float:
    import math

    return math.log2(value)
