"""``medsum train`` and ``medsum runs``: fine-tune a stored model on a stored dataset, with a
progress bar, and list the runs of the workspace."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from core.errors import MedsumError
from medsum_tui.cli._names import require_known
from medsum_tui.cli._progress import TrainingProgress, describe_preflight
from medsum_tui.cli._runtime import (
    WorkspaceOption,
    emit,
    open_initialized,
    require_parent_dir,
    say,
)
from medsum_tui.cli.app import app

__all__ = ["runs_command", "train_command"]



@app.command("train")
def train_command(
    ctx: typer.Context,
    dataset: Annotated[str | None, typer.Option("--dataset", help="A dataset made by `medsum data import`.")] = None,
    model: Annotated[str | None, typer.Option("--model", help="A model of the store (`medsum models list`).")] = None,
    full: Annotated[bool, typer.Option("--full", help="Train every weight instead of a LoRA adapter.")] = False,
    lora_r: Annotated[int, typer.Option("--lora-r", min=1, help="LoRA rank.")] = 16,
    lora_alpha: Annotated[int, typer.Option("--lora-alpha", min=1, help="LoRA alpha.")] = 32,
    lora_dropout: Annotated[float, typer.Option("--lora-dropout", min=0.0, max=0.99, help="LoRA dropout.")] = 0.05,
    target_modules: Annotated[str | None, typer.Option("--target-modules", help="Comma-separated LoRA targets (default: q/v projections).")] = None,
    epochs: Annotated[int, typer.Option("--epochs", min=1, help="Epochs to train.")] = 3,
    max_steps: Annotated[int | None, typer.Option("--max-steps", min=1, help="Optimizer steps in all (overrides --epochs).")] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Examples per batch.")] = 8,
    grad_accum: Annotated[int, typer.Option("--grad-accum", min=1, help="Batches per optimizer step.")] = 1,
    lr: Annotated[float | None, typer.Option("--lr", min=0.0, help="Peak learning rate (default 5e-4 LoRA, 1e-3 full).")] = None,
    warmup_ratio: Annotated[float, typer.Option("--warmup-ratio", min=0.0, max=0.99, help="Share of steps spent warming up.")] = 0.06,
    max_source_len: Annotated[int, typer.Option("--max-source-len", min=8, help="Source tokens kept.")] = 256,
    max_target_len: Annotated[int, typer.Option("--max-target-len", min=4, help="Target tokens kept.")] = 64,
    patience: Annotated[int, typer.Option("--patience", min=1, help="Epochs without improvement before stopping.")] = 2,
    checkpoint_every: Annotated[int, typer.Option("--checkpoint-every", min=1, help="Checkpoint every N steps (and each epoch).")] = 50,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 42,
    device: Annotated[str, typer.Option("--device", help="auto, cpu or cuda.")] = "auto",
    precision: Annotated[str, typer.Option("--precision", help="auto (bf16 on CUDA when supported), fp32 or bf16.")] = "auto",
    dp: Annotated[bool, typer.Option("--dp", help="Train with differential privacy (DP-SGD, Opacus).")] = False,
    target_epsilon: Annotated[float | None, typer.Option("--target-epsilon", min=0.0, help="DP: choose the noise to reach this epsilon.")] = None,
    noise_multiplier: Annotated[float | None, typer.Option("--noise-multiplier", min=0.0, help="DP: an explicit noise multiplier.")] = None,
    delta: Annotated[float | None, typer.Option("--delta", help="DP: delta (default 1/(10 N), rounded down; must be below 1/N).")] = None,
    max_grad_norm: Annotated[float, typer.Option("--max-grad-norm", min=0.0, help="Gradient clipping norm (per sample under DP).")] = 1.0,
    accountant: Annotated[str, typer.Option("--accountant", help="DP accountant: prv (default) or rdp.")] = "prv",
    privacy_unit: Annotated[str, typer.Option("--privacy-unit", help="DP: record (default) or patient.")] = "record",
    override_budget: Annotated[str | None, typer.Option("--override-budget", metavar="REASON", help="Run even if the dataset's budget policy refuses it; the reason is audited.")] = None,
    plan: Annotated[bool, typer.Option("--plan", help="Show the pre-flight (planned epsilon, budget check) and exit.")] = False,
    events: Annotated[Path | None, typer.Option("--events", help="Also append the events (JSON lines) to this file.")] = None,
    resume: Annotated[str | None, typer.Option("--resume", metavar="RUN", help="Continue a killed run to its planned steps.")] = None,
    audit_canaries: Annotated[int, typer.Option("--audit-canaries", min=0, metavar="N", help="Insert N synthetic canaries (each with probability 1/2) for `medsum privacy-audit RUN`.")] = 0,
    nproc: Annotated[int, typer.Option("--nproc", min=1, help="Data-parallel processes on this machine, meeting through a file, not the network (NCCL on GPUs, gloo over loopback on CPU); the global batch is batch size x grad accum x N.")] = 1,
    workspace: WorkspaceOption = None,
) -> None:
    """Fine-tune a model on a dataset (LoRA by default), validating each epoch; resumable."""
    from pydantic import ValidationError

    from core.train.config import TrainConfig
    from core.train.launch import env_world_size

    def build_config() -> TrainConfig:
        if not dataset or not model:
            raise MedsumError("give --dataset and --model (or --resume RUN)")
        try:
            return TrainConfig(
                dataset=dataset, model=model, full=full, lora_r=lora_r, lora_alpha=lora_alpha,
                lora_dropout=lora_dropout, epochs=epochs, max_steps=max_steps, batch_size=batch_size,
                target_modules=[t.strip() for t in target_modules.split(",") if t.strip()] if target_modules else None,
                grad_accum=grad_accum, nproc=max(nproc, world), learning_rate=lr, warmup_ratio=warmup_ratio,
                max_source_len=max_source_len, max_target_len=max_target_len, patience=patience,
                checkpoint_every=checkpoint_every, seed=seed, device=device, precision=precision,  # type: ignore[arg-type]
                dp=dp, target_epsilon=target_epsilon, noise_multiplier=noise_multiplier, delta=delta,
                max_grad_norm=max_grad_norm, accountant=accountant, privacy_unit=privacy_unit)  # type: ignore[arg-type]
        except ValidationError as exc:
            first = exc.errors()[0]
            where = f"--{str(first['loc'][0]).replace('_', '-')}: " if first["loc"] else ""
            raise MedsumError(f"{where}{first['msg'].removeprefix('Value error, ')}", exit_code=2) from None

    world = env_world_size()
    if world > 1 and nproc not in (1, world):
        raise MedsumError(f"--nproc {nproc} does not match the {world} processes torchrun started")
    if resume is not None and (dataset or model):
        raise MedsumError("--resume takes the run's own dataset and model; leave out --dataset and --model", exit_code=2)
    if resume is not None and audit_canaries:
        raise MedsumError("--audit-canaries is for a new run (a resumed run keeps its own canaries)", exit_code=2)
    if resume is None and not (dataset and model):
        raise MedsumError("give --dataset and --model (or --resume RUN)", exit_code=2)
    opened = open_initialized(workspace)
    require_parent_dir(events)
    require_known(opened.root, datasets=[dataset], models=[model], runs=[resume])  # before torch loads
    if plan:
        from core.train.spend import preflight
        from core.train.truncation import target_truncation

        config = build_config()
        summary = preflight(opened.root, config).summary()
        for line in describe_preflight(summary):
            say(line)
        say(target_truncation(opened.root, config).sentence())
        if not summary["allowed"] and not override_budget:
            raise MedsumError(f"the plan is refused: {summary['reason']}")
        return
    if nproc > 1 and world == 1:
        raise typer.Exit(_launch(nproc, _same_options_without_nproc(ctx)))
    from core.train.run import resume_run, start_run  # loads torch: not before starting the workers
    with _joined(device, world) as dist:
        if not dist.is_main:  # rank 0 reports; the others train and stay quiet
            try:
                if resume is not None:
                    resume_run(opened.root, resume, dist=dist, override_budget=override_budget)
                else:
                    start_run(opened.root, build_config(), override_budget=override_budget, dist=dist, audit_canaries=audit_canaries)
            except (MedsumError, KeyboardInterrupt):
                raise typer.Exit(1) from None
            return
        view = TrainingProgress()
        previous = _terminate_as_interrupt()
        try:
            if resume is not None:
                info = resume_run(opened.root, resume, events=events, on_event=view, dist=dist,
                                  override_budget=override_budget)
            else:
                info = start_run(opened.root, build_config(), events=events, on_event=view,
                                 override_budget=override_budget, dist=dist, audit_canaries=audit_canaries)
        finally:
            view.stop()
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
    say(f"Run {info.run_id}: {info.status.value} at step {info.step}/{info.total_steps}, "
        f"best validation loss {info.best_val_loss if info.best_val_loss is None else round(info.best_val_loss, 4)}"
        + (f" ({info.message})" if info.message and info.message != "done" else ""))
    say(f"Run directory: {opened.root / 'runs' / info.run_id}")


@contextlib.contextmanager
def _joined(device: str, world: int) -> Iterator[Any]:
    """This process's place in the run: joins the process group when there is one (the workers
    of ``--nproc``, or torchrun's), and leaves it when the run ends (however it ends)."""
    from core.train.distributed import DistContext, init_from_env, shutdown

    if world == 1:
        yield DistContext()
        return
    try:
        dist = init_from_env(device)
    except (RuntimeError, ValueError, KeyError) as exc:
        raise MedsumError(f"cannot join the process group: {exc}") from None
    try:
        yield dist
    finally:
        shutdown()


def _launch(nproc: int, argv: list[str]) -> int:
    """Run this same ``medsum train`` command in ``nproc`` worker processes and return the exit
    code (:func:`core.train.launch.run_workers`: Ctrl-C and SIGTERM reach every worker)."""
    from core.train.launch import run_workers

    return run_workers(nproc, argv)


def _same_options_without_nproc(ctx: typer.Context) -> list[str]:
    """The command line of the running ``medsum train``, rebuilt from its parsed options
    (every option that differs from its default), without ``--nproc``."""
    argv = [ctx.info_name or "train"]
    for param in ctx.command.params:
        if param.param_type_name != "option" or param.name in (None, "nproc"):
            continue
        value = ctx.params.get(param.name)
        if value is None or value == param.default:
            continue
        if param.is_flag:
            argv.append(param.opts[0] if value else param.secondary_opts[0])
        else:
            argv += [param.opts[0], str(value)]
    return argv


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _terminate_as_interrupt() -> Any:
    """Make SIGTERM stop the run the way Ctrl-C does: it ends "killed" with its privacy spend
    settled. (The TUI's Cancel and `kill PID` send SIGTERM; SIGINT may be ignored in a process
    started in the background.) Returns the previous handler, or None off the main thread."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _interrupt)


@app.command("runs")
def runs_command(
    run: Annotated[str | None, typer.Argument(help="A run id, or an unambiguous start of one (default with --follow: the newest running run).", show_default=False)] = None,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Follow the run from its events until it ends: exit 0 when it finished, 1 when it failed, was killed or its process died.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the runs as one JSON document (schema medsum.runs).")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """List the training runs of the workspace with their status, live from their events; or
    follow one (--follow) as it trains."""
    from core.train.runs import RunsTable

    if follow and as_json:
        raise MedsumError("--json lists the runs; it does not combine with --follow", exit_code=2)
    opened = open_initialized(workspace)
    if follow:
        from medsum_tui.cli._follow import follow_run

        raise typer.Exit(follow_run(opened.root, run))
    rows = RunsTable(opened.root).list()
    if run is not None:
        from medsum_tui.cli._follow import choose_run

        rows = [choose_run(rows, run)]
    if as_json:
        from medsum_tui.cli._json import emit_json

        emit_json("runs", {"workspace": str(opened.root), "runs": [_run_json(r) for r in rows]})
        return
    if not rows:
        say("No runs yet: `medsum train --dataset NAME --model NAME`.")
        return
    emit(f"{'run':40} {'status':9} {'steps':>11} {'best val':>9} {'rouge-l':>8} {'eps':>7}  dataset / model")
    for r in rows:
        steps = f"{r.step}/{r.total_steps if r.total_steps is not None else '?'}"
        best = "-" if r.best_val_loss is None else f"{r.best_val_loss:.4f}"
        rouge = f"{r.eval['rougeL']:.3f}" if r.eval and isinstance(r.eval.get("rougeL"), float) else "-"
        eps = f"{r.epsilon:.3f}" if r.epsilon is not None else "-"
        emit(f"{r.run_id:40} {r.status.value:9} {steps:>11} {best:>9} {rouge:>8} {eps:>7}  {r.dataset} / {r.model}")


def _run_json(r: Any) -> dict[str, Any]:
    """One run of ``runs --json`` (see docs/cli.md, "JSON output")."""
    from datetime import UTC, datetime

    rouge = r.eval.get("rougeL") if r.eval else None
    return {
        "run_id": r.run_id, "status": r.status.value, "step": r.step, "total_steps": r.total_steps,
        "best_val_loss": r.best_val_loss, "rouge_l": rouge if isinstance(rouge, (int, float)) else None,
        "dataset": r.dataset, "model": r.model, "private": r.private,
        "epsilon": r.epsilon if r.private is not False else None, "loss": r.loss, "eta_s": r.eta_s,
        "pid": r.pid, "pid_alive": r.pid_alive,
        "last_event_at": None if r.last_event_at is None
        else datetime.fromtimestamp(r.last_event_at, UTC).isoformat(timespec="seconds"),
        "created_at": r.created_at, "updated_at": r.updated_at, "message": r.message or None,
    }
