"""``medsum demo``: run the demo pipeline on the built-in defaults."""

from __future__ import annotations

from typing import Annotated

import typer

from core.guard import configure_network_guard
from core.workspace import init_workspace
from medsum_tui.cli._runtime import WorkspaceOption, locate, say
from medsum_tui.cli.app import app


@app.command("demo")
def demo_command(
    workspace: WorkspaceOption = None,
    n: Annotated[int, typer.Option("--n", min=10, help="Synthetic records to make.")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
) -> None:
    """Initialize the workspace if needed, synthesize a corpus, load and split it, de-identify and score it."""
    from core.demo import run_demo  # loads the synthesizer and the detectors: only when used

    opened, _ = init_workspace(locate(workspace))
    configure_network_guard(opened.loaded)
    say(f"Workspace: {opened.root}")
    result = run_demo(opened, n=n, seed=seed)
    say(f"1/3 synthesized {n} records -> {result.corpus_file}")
    say(f"    gold PHI spans -> {result.gold_file}: "
        + ", ".join(f"{cat} {count}" for cat, count in result.phi_spans.items()))
    say(f"2/3 loaded {result.records} valid records of {result.patients} patients ({result.problems} problems)")
    say("    split by patient: "
        + ", ".join(f"{name} {s.records} records / {s.patients} patients" for name, s in result.splits.items()))
    token = result.deid_scores.overall("token").as_dict()
    say(f"3/3 de-identified (redact) -> {result.deid_file}: {sum(result.deid.found.values())} PHI found, "
        f"{sum(result.deid.residual.values())} left by the residual scan")
    say(f"    against the gold spans: token recall {token['recall']}, precision {token['precision']}, "
        f"patient-name tokens missed {result.deid_scores.patient_name_tokens_missed}")
    say("Demo complete.")
