"""A training run in the workspace: its directory, ``config.json``, ``metrics.jsonl``, events,
checkpoints and final adapter (or weights), and its row in the runs table.

Run directory ``runs/RUN_ID/``:

- ``config.json``: the whole run configuration, library versions, the dataset's fingerprint,
  the model, the device, and how many examples were truncated;
- ``events.jsonl``: step, epoch, loss, lr, samples/s and ETA, one JSON object a line;
- ``metrics.jsonl``: validation loss after each epoch (and once before training);
- ``checkpoint/``: what ``--resume`` continues from;
- ``adapter/`` (LoRA) or ``model/`` (``--full``): the result, with the tokenizer.
"""

from __future__ import annotations

import json
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
from core.versions import library_versions
from core.train.config import TrainConfig, TrainError
from core.train.runs import RunInfo, RunStatus, RunsTable

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


def start_run(root: Path, config: TrainConfig, *, events: Path | None = None,
              on_event: Callable[[dict[str, Any]], None] | None = None) -> RunInfo:
    """Create a run for ``config``, register it, and train it to the end."""
    from core.datasets import get_dataset
    from core.models import get_model
    from core.train.loop import pick_device

    get_dataset(root, config.dataset)  # fail before creating anything when a name or device is wrong
    get_model(root, config.model)
    try:
        pick_device(config)
    except RuntimeError as exc:
        raise TrainError(str(exc)) from None
    run_id = _new_run_id(config.model)
    directory = run_dir(root, run_id)
    directory.mkdir(parents=True)
    with atomic_writer(directory / "config.json") as handle:
        json.dump({"run_id": run_id, "config": config.model_dump()}, handle, indent=2)
    RunsTable(root).create(run_id, config.dataset, config.model)
    return _execute(root, run_id, config, events=events, on_event=on_event, resume=False)


def resume_run(root: Path, run_id: str, *, events: Path | None = None,
               on_event: Callable[[dict[str, Any]], None] | None = None) -> RunInfo:
    """Continue a killed or failed run from its last checkpoint to its planned total of steps."""
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
    return _execute(root, run_id, config, events=events, on_event=on_event, resume=True)


def _prepare(root: Path, config: TrainConfig) -> tuple[Any, Any, Any, Any, Any, dict[str, Any]]:
    """Load the model (LoRA-wrapped unless ``--full``) and the tokenized splits."""
    import torch

    from core.datasets import get_dataset, load_splits
    from core.models import load_model, lora_targets
    from core.train.batching import encode_pairs

    torch.manual_seed(config.seed)
    model, tokenizer, entry = load_model(root, config.model)
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
    encode = lambda split: encode_pairs(tokenizer, splits[split]["source"], splits[split]["target"],  # noqa: E731
                                        max_source_len=config.max_source_len, max_target_len=config.max_target_len)
    train, validation = encode("train"), encode("validation")
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
    }
    return model, tokenizer, entry, train, validation, facts


def _execute(root: Path, run_id: str, config: TrainConfig, *, events: Path | None,
             on_event: Callable[[dict[str, Any]], None] | None, resume: bool) -> RunInfo:
    from core.train.events import EventStream
    from core.train.loop import TrainingLoop

    table = RunsTable(root)
    directory = run_dir(root, run_id)
    table.update(run_id, status=RunStatus.RUNNING, pid=os.getpid(), message="")
    stream = EventStream([directory / "events.jsonl", *([events] if events else [])], on_event)
    try:
        model, tokenizer, entry, train, validation, facts = _prepare(root, config)
        loop = TrainingLoop(model, train, validation, config, pad_id=tokenizer.pad_token_id,
                            emit=stream.emit, run_dir=directory)
        resumed = loop.resume() if resume else False
        _write_config(directory, run_id, config, facts, loop)
        table.update(run_id, total_steps=loop.total_steps, step=loop.progress.step)
        stream.emit("start", run_id=run_id, resumed=resumed, step=loop.progress.step, total_steps=loop.total_steps,
                    device=str(loop.device), precision="bf16" if loop.autocast_dtype else "fp32",
                    method=facts["model"]["method"], truncated=facts["truncated"])
        with (directory / "metrics.jsonl").open("a", encoding="utf-8") as metrics:
            def emit(kind: str, **fields: Any) -> None:
                stream.emit(kind, **fields)
                if kind == "epoch":
                    metrics.write(json.dumps(fields) + "\n")
                    metrics.flush()
                    table.update(run_id, step=loop.progress.step, best_val_loss=loop.progress.best_val_loss)
            loop.emit = emit
            result = loop.run()
        _save_result(directory, loop.model, tokenizer, full=config.full)
        message = "stopped early: validation loss stopped improving" if result.stopped_early else "done"
        table.update(run_id, status=RunStatus.FINISHED, step=result.progress.step,
                     best_val_loss=result.progress.best_val_loss, message=message)
        stream.emit("end", run_id=run_id, status="finished", step=result.progress.step, message=message)
    except KeyboardInterrupt:
        table.update(run_id, status=RunStatus.KILLED, message="interrupted")
        stream.emit("end", run_id=run_id, status="killed")
        raise
    except Exception as exc:
        table.update(run_id, status=RunStatus.FAILED, message=one_line(exc, 300))
        stream.emit("end", run_id=run_id, status="failed", error=type(exc).__name__)
        if isinstance(exc, (ValueError, FloatingPointError, RuntimeError)) and not isinstance(exc, TrainError):
            raise TrainError(f"run {run_id} failed: {one_line(exc)}") from exc
        raise
    finally:
        stream.close()
    return table.get(run_id)


def _write_config(directory: Path, run_id: str, config: TrainConfig, facts: dict[str, Any], loop: Any) -> None:
    with atomic_writer(directory / "config.json") as handle:
        json.dump({"run_id": run_id, "config": config.model_dump(), "versions": _versions(),
                   "device": str(loop.device), "precision": "bf16" if loop.autocast_dtype else "fp32",
                   "total_steps": loop.total_steps, "steps_per_epoch": loop.steps_per_epoch, **facts},
                  handle, indent=2)


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
