"""A training run in the workspace: its directory, ``config.json``, ``metrics.jsonl``, events,
checkpoints and final adapter (or weights), and its row in the runs table.

Run directory ``runs/RUN_ID/``:

- ``config.json``: the whole run configuration, library versions, the dataset's fingerprint,
  the model, the device, and how many examples were truncated;
- ``events.jsonl``: step, epoch, loss, lr, samples/s and ETA, one JSON object a line;
- ``metrics.jsonl``: validation loss after each epoch (and once before training);
- ``checkpoints/step-NNNNNN/``: what ``--resume`` continues from (see ``core.train.checkpoint``);
- ``adapter/`` (LoRA) or ``model/`` (``--full``): the result, with the tokenizer.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import secrets
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.atomic import atomic_writer
from core.errors import one_line
from core.train.config import TrainConfig, TrainError
from core.train.distributed import DistContext
from core.train.runs import RunInfo, RunsTable, RunStatus
from core.versions import library_versions

__all__ = ["resume_run", "run_dir", "start_run"]


def run_dir(root: Path, run_id: str) -> Path:
    """The directory of run ``run_id`` in the workspace at ``root``."""
    return root / "runs" / run_id


def _versions() -> dict[str, str | None]:
    """Python's and the libraries' versions, for ``config.json``."""
    return {"python": platform.python_version(), **library_versions()}


def _new_run_id(model: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{model}-{secrets.token_hex(2)}"


def _on_main(dist: DistContext, work: Callable[[], Any]) -> Any:
    """Run ``work`` on rank 0 and hand its result (or its error) to every rank."""
    outcome: tuple[str, Any] = ("error", "")
    if dist.is_main:
        try:
            outcome = ("ok", work())
        except Exception as exc:
            dist.broadcast(("error", str(exc)))
            raise
    outcome = dist.broadcast(outcome)
    if outcome[0] == "error":
        raise TrainError(outcome[1])
    return outcome[1]


def start_run(root: Path, config: TrainConfig, *, events: Path | None = None,
              on_event: Callable[[dict[str, Any]], None] | None = None,
              override_budget: str | None = None, dist: DistContext | None = None,
              audit_canaries: int = 0) -> RunInfo:
    """Create a run for ``config``, register it, and train it to the end.

    ``audit_canaries`` > 0 makes that many audit canaries (``runs/RUN/canaries.json``), each
    trained on with probability 1/2, for ``medsum privacy-audit RUN`` (see
    :mod:`core.train.canaries`).

    Before anything is created: the pre-flight (the DP plan and planned epsilon) and the
    dataset's budget check; an over-budget run is refused unless ``override_budget`` gives a
    reason, which is audited. The planned spend is reserved in the ledger before the first step.

    Under ``dist`` of several processes, rank 0 alone creates and registers the run and
    reserves its spend (one ledger entry); every rank then trains.
    """
    dist = dist or DistContext()
    if config.nproc != dist.world_size:
        raise TrainError(f"the run is planned for {config.nproc} processes but {dist.world_size} are running")
    run_id, plan = _on_main(dist, lambda: _create_run(root, config, on_event, override_budget, audit_canaries))
    return _execute(root, run_id, config, events=events, on_event=on_event, resume=False, plan=plan, dist=dist,
                    override_budget=override_budget)


def _create_run(root: Path, config: TrainConfig, on_event: Callable[[dict[str, Any]], None] | None,
                override_budget: str | None, audit_canaries: int = 0) -> tuple[str, Any]:
    """Check, reserve and create a new run (with its audit canaries, if asked); its id and DP plan."""
    from core.datasets import get_dataset
    from core.models import get_model
    from core.train.loop import pick_device
    from core.train.spend import preflight, reserve

    get_dataset(root, config.dataset)  # fail before creating anything when a name or device is wrong
    get_model(root, config.model)
    canaries = None
    if audit_canaries:
        from core.train.canaries import make_canaries

        canaries = make_canaries(audit_canaries)
    try:
        pick_device(config)
    except RuntimeError as exc:
        raise TrainError(str(exc)) from None
    pre = preflight(root, config, suggest=override_budget is None)  # an override needs no fix suggested
    if on_event is not None:
        on_event({"event": "preflight", **pre.summary()})
    run_id = _new_run_id(config.model)
    reserve(root, run_id, config, pre, override_budget)  # raises when refused: nothing created yet
    directory = run_dir(root, run_id)
    directory.mkdir(parents=True)
    if canaries is not None:
        from core.train.canaries import write_canaries

        write_canaries(directory, canaries, digits=len(canaries[0].secret.replace("-", "")))
    with atomic_writer(directory / "config.json") as handle:
        json.dump({"run_id": run_id, "config": config.model_dump(), "preflight": pre.summary()}, handle, indent=2)
    RunsTable(root).create(run_id, config.dataset, config.model)
    return run_id, pre.plan


def resume_run(root: Path, run_id: str, *, events: Path | None = None,
               on_event: Callable[[dict[str, Any]], None] | None = None, dist: DistContext | None = None,
               override_budget: str | None = None) -> RunInfo:
    """Continue a killed or failed run from its last checkpoint to its planned total of steps,
    on any number of processes (``dist``).

    Like a new run, it passes the dataset's budget check first, against the policy as it is
    now: the run's whole spend (steps spent and still to do) beside every other run. It is
    refused (exit 1, before anything is loaded) unless ``override_budget`` gives a reason,
    which is recorded in the ledger and audited."""
    dist = dist or DistContext()
    config, plan = _on_main(dist, lambda: _resumable(root, run_id, on_event, override_budget))
    config = config.model_copy(update={"nproc": dist.world_size})
    return _execute(root, run_id, config, events=events, on_event=on_event, resume=True, plan=plan, dist=dist,
                    override_budget=override_budget)


def _resumable(root: Path, run_id: str, on_event: Callable[[dict[str, Any]], None] | None = None,
               override_budget: str | None = None) -> tuple[TrainConfig, Any]:
    """The configuration and DP plan of a run that may be resumed, after its budget check;
    raises when it may not be resumed."""
    table = RunsTable(root)
    try:
        info = table.get(run_id)
    except KeyError:
        raise TrainError(f"no run {run_id!r} in this workspace (see `medsum runs`)") from None
    if info.status == RunStatus.FINISHED:
        raise TrainError(f"run {run_id} has already finished")
    if info.status == RunStatus.RUNNING:
        raise TrainError(f"run {run_id} is running now (process {info.pid})")
    saved = json.loads((run_dir(root, run_id) / "config.json").read_text(encoding="utf-8"))
    config = TrainConfig.model_validate(saved["config"])
    plan = None
    if config.dp:
        from core.train.dp_plan import DpPlan

        plan = DpPlan(**saved["preflight"]["dp"])  # the plan it started with; the noise never changes
    from core.train.spend import resume_preflight

    pre = resume_preflight(root, run_id, config, plan, override_budget)  # raises when refused: nothing changed yet
    if on_event is not None:
        on_event({"event": "preflight", **pre.summary()})
    return config, plan


def _prepare(root: Path, config: TrainConfig, run_id: str | None = None) -> tuple[Any, Any, Any, Any, Any, dict[str, Any], list[list[int]]]:
    """Load the model (moved to its device, then LoRA-wrapped unless ``--full``) and the
    tokenized splits. Under DP with ``--full``, what per-sample gradients cannot cover is frozen.
    The run's member audit canaries, if it has any, join the training split (each its own patient)."""
    import torch

    from core.datasets import get_dataset, load_splits
    from core.models import load_model, lora_targets
    from core.train.batching import encode_pairs
    from core.train.loop import pick_device

    torch.manual_seed(config.seed)
    model, tokenizer, entry = load_model(root, config.model)
    model = model.to(pick_device(config)[0])  # device first, then peft, then the optimizer, then DP
    frozen: list[str] = []
    if config.dp and config.full:
        from privacy.dp import freeze_for_full_dp

        frozen = freeze_for_full_dp(model)
    if not config.full:
        from peft import LoraConfig, TaskType, get_peft_model

        targets = config.target_modules or lora_targets(entry.family)
        lora = LoraConfig(task_type=TaskType.SEQ_2_SEQ_LM, r=config.lora_r, lora_alpha=config.lora_alpha,
                          lora_dropout=config.lora_dropout, target_modules=targets)
        try:
            model = get_peft_model(model, lora)
        except ValueError as exc:
            raise TrainError(f"LoRA target modules {targets} do not fit model {config.model}: {one_line(exc)}") from None
    splits = load_splits(root, config.dataset)
    columns = {split: {c: list(splits[split][c]) for c in ("source", "target", "patient")}
               for split in ("train", "validation")}
    audit = _add_canaries(columns["train"], None if run_id is None else run_dir(root, run_id))
    encode = lambda split: encode_pairs(tokenizer, columns[split]["source"], columns[split]["target"],
                                        max_source_len=config.max_source_len, max_target_len=config.max_target_len)
    train, validation = encode("train"), encode("validation")
    groups: dict[str, list[int]] = {}
    for index, patient in enumerate(columns["train"]["patient"]):
        groups.setdefault(patient, []).append(index)
    dataset = get_dataset(root, config.dataset)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    facts = {
        "dataset": {"name": dataset.name, "fingerprint": dataset.fingerprint, "train": len(train),
                    "validation": len(validation)},
        "model": {"name": entry.name, "architecture": entry.architecture, "family": entry.family,
                  "parameters": total, "trainable_parameters": trainable, "method": "full" if config.full else "lora"},
        "truncated": {"sources": train.truncated_sources + validation.truncated_sources,
                      "targets": train.truncated_targets + validation.truncated_targets,
                      "max_source_len": config.max_source_len, "max_target_len": config.max_target_len},
        "frozen_for_dp": frozen,
        **({} if audit is None else {"audit_canaries": audit}),
    }
    return model, tokenizer, entry, train, validation, facts, list(groups.values())


def _add_canaries(train: dict[str, list[str]], directory: Path | None) -> dict[str, int] | None:
    """Append the run's member canaries to the training columns (in place); their counts (never
    a secret) for ``config.json``, or None when the run has no canaries."""
    from core.train.canaries import canary_source, canary_target, read_canaries

    found = None if directory is None else read_canaries(directory)
    if found is None:
        return None
    canaries, _digits = found
    members = [c for c in canaries if c.member]
    for canary in members:
        train["source"].append(canary_source(canary))
        train["target"].append(canary_target(canary))
        train["patient"].append(canary.canary_id)
    return {"canaries": len(canaries), "trained_on": len(members)}


def _execute(root: Path, run_id: str, config: TrainConfig, *, events: Path | None,
             on_event: Callable[[dict[str, Any]], None] | None, resume: bool, plan: Any,
             dist: DistContext, override_budget: str | None = None) -> RunInfo:
    if not dist.is_main:
        return _execute_worker(root, run_id, config, resume=resume, plan=plan, dist=dist)
    from core.audit import Auditor
    from core.train.checkpoint import trainable_state
    from core.train.events import EventStream
    from core.train.spend import resume_spend, settle

    table = RunsTable(root)
    directory = run_dir(root, run_id)
    table.update(run_id, status=RunStatus.RUNNING, pid=os.getpid(), message="")
    stream = EventStream([directory / "events.jsonl", *([events] if events else [])], on_event)
    ledger = Auditor(root).ledger  # sealed writes: the steps spent, as they are taken
    loop: Any = None
    spent_before = start_step = 0

    def spent() -> int:
        """Steps this run has spent in all its processes (noised steps under DP)."""
        if loop is None:
            return spent_before
        if loop.engine is not None:
            return spent_before + loop.engine.steps_taken
        return spent_before + loop.progress.step - start_step

    def finish(outcome: str) -> None:
        steps = spent()
        if resume:  # the earlier processes' steps, even when this one failed before counting them
            from core.reconcile import spent_on_disk

            steps = max(steps, spent_on_disk(directory))
        epsilon = None
        if plan is not None:
            from privacy.accounting import epsilon_for

            epsilon = epsilon_for([(plan.noise_multiplier, plan.sample_rate, steps)], plan.delta, plan.accountant)
        settle(root, run_id, steps_done=steps, epsilon=epsilon, outcome=outcome)  # 0 steps: it spent nothing

    try:
        loop, tokenizer, facts = _loop(root, run_id, config, plan, dist, emit=stream.emit)
        resumed = loop.resume() if resume else False
        start_step = loop.progress.step
        if resume:
            spent_before = resume_spend(root, run_id, config, checkpoint_step=start_step, total_steps=loop.total_steps,
                                        override_reason=override_budget)
            loop.dp_steps_before = spent_before
        dist.barrier()  # the other ranks start training once the spend is reserved
        initial = {name: t.clone() for name, t in trainable_state(loop.model).items()}  # detach() shares storage
        _write_config(directory, run_id, config, facts, loop)
        table.update(run_id, total_steps=loop.total_steps, step=loop.progress.step)
        stream.emit("start", run_id=run_id, resumed=resumed, step=loop.progress.step, total_steps=loop.total_steps,
                    device=str(loop.device), precision="bf16" if loop.autocast_dtype else "fp32",
                    processes=dist.world_size, backend=dist.backend,
                    method=facts["model"]["method"], truncated=facts["truncated"],
                    dp=None if plan is None else {"epsilon_planned": round(plan.planned_epsilon, 4),
                                                  "delta": plan.delta, "noise_multiplier": round(plan.noise_multiplier, 4),
                                                  "privacy_unit": plan.privacy_unit, "spent_before": spent_before})
        with (directory / "metrics.jsonl").open("a", encoding="utf-8") as metrics:
            def emit(kind: str, **fields: Any) -> None:
                stream.emit(kind, **fields)
                if kind == "step" and loop.engine is not None:
                    ledger.update_steps(run_id, spent())  # exact spend even after a kill -9
                if kind == "epoch":
                    metrics.write(json.dumps(fields) + "\n")
                    metrics.flush()
                    table.update(run_id, step=loop.progress.step, best_val_loss=loop.progress.best_val_loss)
            loop.emit = emit
            if plan is None:  # a non-private run records no steps as it goes: count it as trained from here
                ledger.update_steps(run_id, max(spent(), 1))
            result = loop.run()
        if loop.engine is not None:
            loop.engine.detach()
        if spent() > 0 and not _changed(initial, trainable_state(loop.model)):
            raise TrainError(f"run {run_id}: no trained weight changed in {spent()} steps")
        _save_result(directory, loop.model, tokenizer, full=config.full)
        message = "stopped early: validation loss stopped improving" if result.stopped_early else "done"
        finish("finished")
        table.update(run_id, status=RunStatus.FINISHED, step=result.progress.step,
                     best_val_loss=result.progress.best_val_loss, message=message)
        stream.emit("end", run_id=run_id, status="finished", step=result.progress.step, message=message,
                    **({} if plan is None else {"epsilon": round(loop.epsilon(), 4), "delta": plan.delta}))
        dist.barrier()  # the other ranks wait for the result and the settled spend
    except KeyboardInterrupt:
        _settle_quietly(finish, "killed")
        table.update(run_id, status=RunStatus.KILLED, message="interrupted")
        stream.emit("end", run_id=run_id, status="killed")
        raise
    except Exception as exc:
        _settle_quietly(finish, "failed")
        table.update(run_id, status=RunStatus.FAILED, message=one_line(exc, 300))
        stream.emit("end", run_id=run_id, status="failed", error=type(exc).__name__)
        if isinstance(exc, (ValueError, FloatingPointError, RuntimeError)) and not isinstance(exc, TrainError):
            raise TrainError(f"run {run_id} failed: {one_line(exc)}") from exc
        raise
    finally:
        stream.close()
    return table.get(run_id)


def _loop(root: Path, run_id: str, config: TrainConfig, plan: Any, dist: DistContext, *,
          emit: Callable[..., Any] | None = None) -> tuple[Any, Any, dict[str, Any]]:
    """The run's training loop on this rank (model, data, DP plan), its tokenizer and the facts
    for ``config.json``."""
    from core.train.loop import TrainingLoop

    model, tokenizer, _entry, train, validation, facts, groups = _prepare(root, config, run_id)
    loop = TrainingLoop(model, train, validation, config, pad_id=tokenizer.pad_token_id, emit=emit,
                        run_dir=run_dir(root, run_id), dp_plan=plan, dist=dist,
                        patient_groups=groups if plan is not None and plan.privacy_unit == "patient" else None)
    return loop, tokenizer, facts


def _execute_worker(root: Path, run_id: str, config: TrainConfig, *, resume: bool, plan: Any,
                    dist: DistContext) -> RunInfo:
    """A rank other than 0: train alongside rank 0, writing nothing (no run files, table rows,
    ledger entries or checkpoints); rank 0 reports the run."""
    loop, _, _ = _loop(root, run_id, config, plan, dist)
    if resume:
        loop.resume()
    dist.barrier()
    loop.run()
    if loop.engine is not None:
        loop.engine.detach()
    dist.barrier()  # rank 0 has saved the result and settled the run
    return RunsTable(root).get(run_id)


def _settle_quietly(finish: Callable[[str], None], outcome: str) -> None:
    """Settle a run that is ending badly; if even that fails, the reservation stays counted
    (``medsum budget reconcile`` settles it later) and the original error is what is shown."""
    try:
        finish(outcome)
    except Exception as exc:  # noqa: BLE001 - the run's own error matters more
        logging.getLogger(__name__).warning("could not settle the run in the ledger (%s); its reservation "
                                            "stays counted until `medsum budget reconcile`", type(exc).__name__)


def _changed(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """True when at least one trained tensor differs from its value before training."""
    return any(not bool((before[name] == tensor).all()) for name, tensor in after.items() if name in before)


def _write_config(directory: Path, run_id: str, config: TrainConfig, facts: dict[str, Any], loop: Any) -> None:
    with atomic_writer(directory / "config.json") as handle:
        json.dump({"run_id": run_id, "config": config.model_dump(), "versions": _versions(),
                   "preflight": _saved_preflight(directory),
                   "device": str(loop.device), "precision": "bf16" if loop.autocast_dtype else "fp32",
                   "total_steps": loop.total_steps, "steps_per_epoch": loop.steps_per_epoch, **facts},
                  handle, indent=2)


def _saved_preflight(directory: Path) -> Any:
    """The pre-flight that ``start_run`` wrote into ``config.json`` (kept across rewrites)."""
    try:
        return json.loads((directory / "config.json").read_text(encoding="utf-8")).get("preflight")
    except (OSError, ValueError):
        return None


def _save_result(directory: Path, model: Any, tokenizer: Any, *, full: bool) -> None:
    """Save the adapter (LoRA) or the whole model (``--full``), with the tokenizer, atomically."""
    from core.models.loading import quiet_progress

    final = directory / ("model" if full else "adapter")
    tmp = directory / f"{final.name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    with quiet_progress():
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
