"""``medsum eval RUN``: score a finished run against its dataset's references and the baselines."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Annotated

import typer

from medsum_tui.cli._runtime import (
    WorkspaceOption,
    open_initialized,
    print_table,
    require_parent_dir,
    say,
    warn,
)
from medsum_tui.cli._names import require_known
from medsum_tui.cli.app import app

__all__ = ["eval_command"]


@app.command("eval")
def eval_command(
    run: Annotated[str, typer.Argument(metavar="RUN", help="A finished run (see `medsum runs`).")],
    split: Annotated[str, typer.Option("--split", help="The dataset split to evaluate on.")] = "test",
    num_beams: Annotated[int | None, typer.Option("--num-beams", min=1, max=32, help="Beams for generation (default: config generation.num_beams, 4).")] = None,
    max_new_tokens: Annotated[int | None, typer.Option("--max-new-tokens", min=1, max=4096, help="Longest summary, in tokens (default: config generation.max_new_tokens, 128).")] = None,
    batch_size: Annotated[int | None, typer.Option("--batch-size", min=1, max=1024, help="Records generated together (default: config generation.batch_size, 16).")] = None,
    no_repeat_ngram: Annotated[int | None, typer.Option("--no-repeat-ngram", min=0, help="Forbid repeating an n-gram of N tokens; 0 turns it off (default: config generation.no_repeat_ngram_size, 3).")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Evaluate only the first N records of the split.")] = None,
    no_base: Annotated[bool, typer.Option("--no-base", help="Skip the base-model baseline (saves a generation pass).")] = False,
    events: Annotated[Path | None, typer.Option("--events", help="Also append progress events (JSON lines) to this file.")] = None,
    with_parent: Annotated[bool, typer.Option("--with-parent", hidden=True, help="Cancel when the process that started this one ends (the TUI).")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Generate summaries for a split, score them (ROUGE, clinical fidelity, PHI scan) beside the
    baselines, and write the report (JSON and Markdown) into the run. A progress bar per
    generation pass goes to stderr; SIGTERM cancels and writes nothing."""
    require_parent_dir(events)
    opened = open_initialized(workspace)
    require_known(opened.root, runs=[run])  # a mistyped run is answered before torch loads

    from core.errors import MedsumError
    from core.evaluation.report import systems_table
    from core.evaluation.run_eval import EvalCancelled, EvalOptions, EvalProgress, evaluate_run, report_paths
    from core.train.run import run_dir
    from medsum_tui.cli._eval_progress import EvalEvents, EvalProgressBar, cancel_on_terminate, stop_with_parent

    defaults = opened.config.generation
    options = EvalOptions(split=split, num_beams=num_beams or defaults.num_beams,
                          max_new_tokens=max_new_tokens or defaults.max_new_tokens,
                          batch_size=batch_size or defaults.batch_size,
                          no_repeat_ngram_size=defaults.no_repeat_ngram_size if no_repeat_ngram is None else no_repeat_ngram,
                          limit=limit, base_model=not no_base)
    record, bar = EvalEvents(events), EvalProgressBar()
    cancel, previous = cancel_on_terminate()
    if with_parent:
        stop_with_parent()

    def progress(step: EvalProgress) -> None:
        if step.stage == "writing":
            cancel.writing = True  # from here on a SIGTERM waits for the report to be written
        bar.update(step.stage, step.done, step.total)
        record("progress", **step.to_json())

    record("start", run_id=run, split=split, base_model=not no_base)
    try:
        report = evaluate_run(opened.root, run, options, config=opened.config, say=bar.say, on_progress=progress,
                              cancelled=lambda: cancel.asked)
    except EvalCancelled as exc:
        bar.stop()
        record("cancelled", run_id=run, message=str(exc))
        raise
    except MedsumError as exc:
        bar.stop()
        record("error", run_id=run, message=str(exc))
        raise
    finally:
        bar.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    head = report["headline"]
    record("end", run_id=run, split=split, rougeL=head["rougeL"], evaluated_at=head["evaluated_at"])
    print_table(systems_table(report))
    if report["phi_scan"]["new"]:
        warn(f"the PHI scan found {report['phi_scan']['new']} new identifier(s) in the summaries: see the report")
    if not head["beats_baselines"]:
        warn(f"ROUGE-L {head['rougeL']:.3f} does not beat the {head['best_baseline']} ({head['best_baseline_rougeL']:.3f})")
    json_path, md_path = report_paths(run_dir(opened.root, run), split)
    say(f"Report: {md_path} (and {json_path.name})")
