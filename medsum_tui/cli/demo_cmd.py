"""``medsum demo``: run the demo pipeline on the built-in defaults."""

from __future__ import annotations

from typing import Annotated

import typer

from core.guard import configure_network_guard
from core.workspace import init_workspace
from medsum_tui.cli._progress import TrainingProgress
from medsum_tui.cli._runtime import WorkspaceOption, locate, print_table, say
from medsum_tui.cli.app import app


@app.command("demo")
def demo_command(
    workspace: WorkspaceOption = None,
    n: Annotated[int | None, typer.Option("--n", min=10, help="Synthetic records to make (default: 2000; "
                                          "200 with --quick).", show_default=False)] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    epochs: Annotated[int | None, typer.Option("--epochs", min=1, help="Training epochs of the tiny model "
                                               "(default: 6).", show_default=False)] = None,
    max_steps: Annotated[int | None, typer.Option("--max-steps", min=1, help="Cap on training steps (a quicker demo; "
                                                  "32 with --quick).", show_default=False)] = None,
    quick: Annotated[bool, typer.Option("--quick", help="A smoke run of every stage (about a minute): 200 records, "
                                        "32 training steps, 4 test records evaluated. It shows that the installation "
                                        "works, not what the model learns.")] = False,
) -> None:
    """Synthesize records, de-identify and score them, import them as a dataset, build a tiny
    model, fine-tune it on the CPU, evaluate it against the baselines and summarize a few
    records (about 3 minutes on the defaults; about a minute with --quick)."""
    from dataclasses import replace

    from core.demo import (  # loads the synthesizer, detectors and models: only when used
        DEFAULT,
        QUICK,
        evaluate_demo,
        prepare_demo_data,
        summarize_demo,
        train_demo_model,
    )
    from core.evaluation.report import systems_table
    from core.evaluation.run_eval import report_paths
    from core.train.run import run_dir

    size = QUICK if quick else DEFAULT
    size = replace(size, n=size.n if n is None else n, epochs=size.epochs if epochs is None else epochs,
                   max_steps=size.max_steps if max_steps is None else max_steps)
    n = size.n
    opened, _ = init_workspace(locate(workspace))
    configure_network_guard(opened.loaded)
    say(f"Workspace: {opened.root}")
    if quick:
        say(f"Quick demo, a smoke run of every stage: {size.n} records, {size.max_steps} training steps, "
            f"{size.eval_limit} test records evaluated")
    data = prepare_demo_data(opened, n=n, seed=seed)
    say(f"1/7 synthesized {n} records -> {data.corpus_file}")
    say(f"    gold PHI spans -> {data.gold_file}: "
        + ", ".join(f"{cat} {count}" for cat, count in data.phi_spans.items()))
    say(f"2/7 loaded {data.records} valid records of {data.patients} patients ({data.problems} problems)")
    say("    split by patient: "
        + ", ".join(f"{name} {s.records} records / {s.patients} patients" for name, s in data.splits.items()))
    token = data.deid_scores.overall("token").as_dict()
    say(f"3/7 de-identified (redact) -> {data.deid_file}: {sum(data.deid.found.values())} PHI found, "
        f"{sum(data.deid.residual.values())} word(s) left that no allow-list knows (residual scan)")
    say(f"    against the gold spans: token recall {token['recall']}, precision {token['precision']}, "
        f"patient-name tokens missed {data.deid_scores.patient_name_tokens_missed}")
    say("4/7 importing the de-identified dataset and building the tiny model (random-init T5, "
        "tokenizer trained on the dataset)")
    say("5/7 training on the CPU. A random-init model cannot learn through a LoRA adapter alone, "
        "so the demo trains every weight (--full).")
    view = TrainingProgress()
    try:
        trained = train_demo_model(opened, data, n=n, seed=seed, epochs=size.epochs, max_steps=size.max_steps,
                                   batch_size=size.batch_size, eval_batches=size.eval_batches, on_event=view)
    finally:
        view.stop()
    say(f"    dataset {trained.dataset} ({'imported' if trained.dataset_created else 'reused'}), "
        f"model {trained.model} ({'built' if trained.model_created else 'reused'})")
    say(f"    run {trained.run_id}: {trained.status}, {trained.steps} steps, validation loss "
        f"{trained.first_val_loss} before training -> {trained.best_val_loss and round(trained.best_val_loss, 4)} best")
    if trained.status != "finished":
        say("Demo stopped: the training run did not finish.")
        raise typer.Exit(1)
    split = "the test split" if size.eval_limit is None else f"the first {size.eval_limit} records of the test split"
    say(f"6/7 evaluating on {split}: ROUGE, clinical fidelity and a PHI scan, beside the baselines")
    report = evaluate_demo(opened, trained, limit=size.eval_limit, say=lambda line: say(f"    {line}"))
    print_table([tuple(f"    {row[0]}" if i == 0 else cell for i, cell in enumerate(row)) for row in systems_table(report)])
    phi = report["phi_scan"]
    say(f"    PHI scan of {phi['summaries']} summaries: {phi['new']} new identifiers "
        f"({phi['findings']} findings in all)")
    say(f"    report: {report_paths(run_dir(opened.root, trained.run_id), 'test')[1]}")
    out, rows = summarize_demo(opened, data, trained, count=size.summaries)
    say(f"7/7 summarized {len(rows)} raw test records (de-identified in memory) -> {out}")
    for row in rows:
        say(f"    {row['id']}: {row['summary'][:160]}")
    say("Demo complete.")
