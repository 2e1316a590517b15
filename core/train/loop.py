"""The training loop: AdamW with linear warmup, gradient accumulation, bf16 autocast on CUDA,
validation each epoch with early stopping, periodic checkpoints and resume, on one process or
data-parallel over several (DDP; DPDDP under DP, see :mod:`core.train.distributed`).

It works on a model and tokenized splits in memory; :mod:`core.train.run` wraps it with
the workspace (datasets, model store, run directory, runs table). The benchmark drives it
directly.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from transformers import get_linear_schedule_with_warmup

from core.train.batching import Encoded, batch_order, collate
from core.train.checkpoint import Progress, find_checkpoint, load_checkpoint, save_checkpoint
from core.train.config import TrainConfig
from core.train.distributed import DistContext, shard, wants_cuda
from core.train.dp_plan import DpPlan

__all__ = ["LoopResult", "TrainingLoop", "pick_device"]

EventSink = Callable[..., Any]


def pick_device(config: TrainConfig) -> tuple[torch.device, torch.dtype | None]:
    """The device to train on and the autocast dtype (bf16 on CUDA when supported, else none).

    fp16 is never used: T5 overflows to NaN losses in it.
    """
    if config.device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("--device cuda was asked for, but torch sees no CUDA device")
    use_cuda = wants_cuda(config.device)
    device = torch.device("cuda" if use_cuda else "cpu")
    bf16 = use_cuda and config.precision in ("auto", "bf16") and torch.cuda.is_bf16_supported()
    if config.precision == "bf16" and not bf16:
        raise RuntimeError("--precision bf16 needs a CUDA device that supports bfloat16")
    return device, (torch.bfloat16 if bf16 else None)


@dataclass
class LoopResult:
    """How the loop ended."""

    progress: Progress
    stopped_early: bool
    history: list[dict[str, Any]]


class TrainingLoop:
    """Trains ``model`` on ``train``, validating on ``validation``, for ``total_steps`` optimizer steps."""

    def __init__(self, model: torch.nn.Module, train: Encoded, validation: Encoded, config: TrainConfig, *,
                 pad_id: int, emit: EventSink | None = None, run_dir: Path | None = None,
                 dp_plan: DpPlan | None = None, patient_groups: list[list[int]] | None = None,
                 dp_steps_before: int = 0, dist: DistContext | None = None) -> None:
        """``emit(kind, **fields)`` receives events; ``run_dir`` enables checkpoints.

        With ``dist`` of several processes, each trains on its share of every global batch
        (DDP averages the gradients) and only rank 0 writes checkpoints.

        With ``dp_plan`` the loop trains with DP-SGD: Poisson batches (of patients, from
        ``patient_groups``, when the privacy unit is the patient), per-sample clipping and
        noise. ``dp_steps_before`` is what an earlier process of a resumed run already spent.
        """
        if len(train) == 0:
            raise ValueError("the training split is empty")
        self.config = config
        self.device, self.autocast_dtype = pick_device(config)
        self.model = model.to(self.device)
        self.train, self.validation = train, validation
        self.pad_id = pad_id
        self.emit = emit or (lambda kind, **fields: None)
        self.run_dir = run_dir
        self.lengths = train.lengths()
        self.dist = dist or DistContext()
        self.batches_per_epoch = math.ceil(len(train) / config.batch_size)
        self.per_step = config.grad_accum * self.dist.world_size  # batches one optimizer step uses
        self.steps_per_epoch = math.ceil(self.batches_per_epoch / self.per_step)
        self.total_steps = config.max_steps or config.epochs * self.steps_per_epoch
        if dp_plan is not None:
            if dp_plan.privacy_unit == "patient" and patient_groups is None:
                raise ValueError("the patient privacy unit needs the training records' patient groups")
            self.steps_per_epoch, self.total_steps = dp_plan.steps_per_epoch, dp_plan.steps
        self.dp_plan, self.patient_groups, self.dp_steps_before = dp_plan, patient_groups, dp_steps_before
        # Under DP each process Poisson-samples its own share of the population at the plan's
        # rate: together that is Poisson sampling of the whole population, as the accounting assumes.
        self.my_records = shard(range(len(train)), self.dist)
        self.my_groups = shard(patient_groups or [], self.dist)
        params = [p for p in self.model.parameters() if p.requires_grad]
        if not params:
            raise ValueError("the model has no trainable parameters")
        self.optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay,
                                           foreach=self.device.type == "cuda")
        warmup = int(config.warmup_ratio * self.total_steps)
        self.scheduler = get_linear_schedule_with_warmup(self.optimizer, warmup, self.total_steps)
        self.progress = Progress(total_steps=self.total_steps)
        self.history: list[dict[str, Any]] = []
        self.engine: Any = None
        self.train_model: torch.nn.Module = self.model  # what forward and backward run through
        if dp_plan is not None:  # after the optimizer, as Opacus requires
            from privacy.dp import DpEngine

            self.engine = DpEngine(self.model, self.optimizer, noise_multiplier=dp_plan.noise_multiplier,
                                   max_grad_norm=dp_plan.max_grad_norm, sample_rate=dp_plan.sample_rate,
                                   expected_batch_size=dp_plan.expected_batch_size, accountant=dp_plan.accountant,
                                   device=self.device, world_size=self.dist.world_size)
        elif self.dist.distributed:
            from torch.nn.parallel import DistributedDataParallel

            ids = [torch.cuda.current_device()] if self.device.type == "cuda" else None
            self.train_model = DistributedDataParallel(self.model, device_ids=ids)

    # --- pieces -----------------------------------------------------------------------------
    def _autocast(self) -> contextlib.AbstractContextManager[Any]:
        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.autocast_dtype)

    def _to_device(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {k: v.to(self.device, non_blocking=True) for k, v in batch.items()}

    def micro_step(self, batch: dict[str, torch.Tensor], scale: float, *, sync: bool = True) -> float:
        """Forward and backward one batch, its loss scaled by ``scale`` (1 / accumulation).

        ``sync=False`` (an accumulation batch that is not the step's last) keeps DDP from
        averaging gradients across processes yet."""
        quiet: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
        if not sync and isinstance(self.train_model, torch.nn.parallel.DistributedDataParallel):
            quiet = self.train_model.no_sync()
        with quiet:
            with self._autocast():
                loss = self.train_model(**self._to_device(batch)).loss
            if not torch.isfinite(loss):
                raise FloatingPointError(f"the loss became {loss.item()} at step {self.progress.step + 1}")
            (loss * scale).backward()
        return float(loss.detach())

    def optimizer_step(self) -> None:
        """Clip, step the optimizer and the schedule, clear the gradients."""
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.config.max_grad_norm)
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)

    def evaluate(self) -> float | None:
        """Mean validation loss per target token (``None`` without a validation split).

        Under DP it runs with the per-sample gradient hooks off."""
        if len(self.validation) == 0:
            return None
        with torch.no_grad(), (self.engine.hooks_off() if self.engine else contextlib.nullcontext()):
            return self._validation_loss()

    def _validation_loss(self) -> float:
        self.model.eval()
        order = sorted(range(len(self.validation)), key=lambda i: -len(self.validation.input_ids[i]))
        size = self.config.batch_size * 2
        batches = [order[i:i + size] for i in range(0, len(order), size)]
        if self.config.eval_batches:
            batches = batches[: self.config.eval_batches]
        total, tokens = 0.0, 0
        for indices in shard(batches, self.dist):
            batch = collate(self.validation, indices, self.pad_id)
            count = int((batch["labels"] != -100).sum())
            with self._autocast():
                loss = self.model(**self._to_device(batch)).loss
            total += float(loss) * count
            tokens += count
        self.model.train()
        summed, counted = self.dist.sum(total, tokens)
        return summed / max(counted, 1)

    def _groups(self, batches: list[list[int]], start: int) -> Iterator[tuple[int, list[list[int]], int]]:
        """The optimizer steps of the epoch's batches from index ``start``: (end index, this
        process's batches, examples in the step over every process).

        A step takes ``grad_accum`` batches per process. Under several processes the epoch's
        last step, when short, borrows batches from the epoch's start so that every process
        has the same number (one process just takes a shorter step)."""
        size = self.per_step
        for first in range(start, len(batches), size):
            group = batches[first:first + size]
            samples = sum(len(b) for b in group)
            if len(group) < size and self.dist.distributed:
                group = group + [batches[k % len(batches)] for k in range(size - len(group))]
            yield min(first + size, len(batches)), shard(group, self.dist), samples

    def _checkpoint(self) -> None:
        if self.run_dir is not None and self.dist.is_main:
            save_checkpoint(self.run_dir, self.model, self.optimizer, self.scheduler, self.progress)

    # --- the loop ---------------------------------------------------------------------------
    def resume(self) -> bool:
        """Load the run directory's newest complete checkpoint, if any, and say which (a
        ``resume`` event, with the incomplete or damaged ones skipped); True when one was loaded."""
        if self.run_dir is None:
            return False
        found, skipped = find_checkpoint(self.run_dir)
        message = ("no complete checkpoint: starting at step 0" if found is None
                   else f"resuming from checkpoint step {found.step} ({found.name})")
        self.emit("resume", message=message, checkpoint=None if found is None else found.name,
                  step=0 if found is None else found.step, skipped=[{"checkpoint": n, "why": w} for n, w in skipped])
        if found is None:
            return False
        loaded = load_checkpoint(self.run_dir, self.model, self.optimizer, self.scheduler, found)
        if loaded is None:
            return False
        if loaded.total_steps != self.total_steps:
            if self.dp_plan is not None or self.config.max_steps is not None:
                raise ValueError(f"the checkpoint plans {loaded.total_steps} steps, this run {self.total_steps}")
            self._replan(loaded)  # resumed on another number of processes: the epochs stay
        self.progress = loaded
        return True

    def _replan(self, loaded: Progress) -> None:
        """Re-count the steps left in the run's epochs for this number of processes, and give
        the learning-rate schedule the new total (its position stays the step count)."""
        left_in_epoch = math.ceil(max(0, self.batches_per_epoch - loaded.batch) / self.per_step)
        later_epochs = max(0, self.config.epochs - loaded.epoch - 1) * self.steps_per_epoch
        self.total_steps = loaded.step + left_in_epoch + later_epochs
        loaded.total_steps = self.total_steps
        position = self.scheduler.state_dict()
        self.scheduler = get_linear_schedule_with_warmup(self.optimizer, int(self.config.warmup_ratio * self.total_steps),
                                                         self.total_steps)
        self.scheduler.load_state_dict(position)
        for group, base, rule in zip(self.optimizer.param_groups, self.scheduler.base_lrs, self.scheduler.lr_lambdas,
                                     strict=True):
            group["lr"] = base * rule(self.scheduler.last_epoch)

    def run(self, *, evaluate_first: bool = True) -> LoopResult:
        """Train until the planned steps are done or early stopping ends it."""
        if self.engine is not None:
            return self._run_dp(evaluate_first=evaluate_first)
        cfg, p = self.config, self.progress
        self.model.train()
        if evaluate_first and p.step == 0 and p.epoch == 0 and p.batch == 0:
            first = self.evaluate()
            self._record_eval(first, epoch=0)
        started, samples_at_start, step_at_start = time.perf_counter(), p.samples, p.step
        stopped_early = False
        while p.step < self.total_steps:
            batches = batch_order(self.lengths, cfg.batch_size, seed=cfg.seed, epoch=p.epoch)
            for end, group, samples in self._groups(batches, p.batch):
                losses = [self.micro_step(collate(self.train, idx, self.pad_id), 1.0 / len(group),
                                          sync=k == len(group) - 1) for k, idx in enumerate(group)]
                if self.dist.distributed:
                    losses = [self.dist.sum(sum(losses) / len(losses))[0] / self.dist.world_size]
                self.optimizer_step()
                p.step += 1
                p.batch = end
                p.samples += samples
                elapsed = time.perf_counter() - started
                rate = (p.samples - samples_at_start) / elapsed if elapsed > 0 else 0.0
                steps_rate = (p.step - step_at_start) / elapsed if elapsed > 0 else 0.0
                eta = (self.total_steps - p.step) / steps_rate if steps_rate > 0 else None
                self.emit("step", step=p.step, total_steps=self.total_steps, epoch=p.epoch + 1,
                          loss=round(sum(losses) / len(losses), 5), lr=self.scheduler.get_last_lr()[0],
                          samples_per_s=round(rate, 2), eta_s=None if eta is None else round(eta, 1))
                if p.step >= self.total_steps:
                    break
                if p.step % cfg.checkpoint_every == 0:
                    self._checkpoint()
            epoch_done = p.batch >= len(batches)
            if epoch_done:
                p.epoch += 1
                p.batch = 0
            if epoch_done or p.step >= self.total_steps:
                val = self.evaluate()
                stopped_early = self._record_eval(val, epoch=p.epoch if epoch_done else p.epoch + 1)
            self._checkpoint()
            if stopped_early:
                break
        return LoopResult(p, stopped_early, self.history)

    # --- DP-SGD --------------------------------------------------------------------------------
    def _dp_chunk(self, batch: dict[str, torch.Tensor]) -> float:
        """Forward and backward one physical chunk with the per-sequence loss; its summed loss."""
        from privacy.dp import sequence_loss_sum

        batch = self._to_device(batch)
        with self._autocast():
            logits = self.model(**batch).logits
        loss = sequence_loss_sum(logits, batch["labels"])
        if not torch.isfinite(loss):
            raise FloatingPointError(f"the loss became {loss.item()} at step {self.progress.step + 1}")
        loss.backward()
        return float(loss.detach())

    def _dp_sample(self, generator: torch.Generator) -> list[int]:
        """One logical batch by Poisson sampling (of records, or of patients then one record each)."""
        from privacy.dp import patient_sample, poisson_sample

        assert self.dp_plan is not None
        if self.patient_groups is not None and self.dp_plan.privacy_unit == "patient":
            return patient_sample(self.my_groups, self.dp_plan.sample_rate, generator)
        return [self.my_records[i] for i in poisson_sample(len(self.my_records), self.dp_plan.sample_rate, generator)]

    def epsilon(self) -> float:
        """Epsilon spent so far by this run (earlier processes included), at the plan's delta."""
        assert self.engine is not None and self.dp_plan is not None
        return self.engine.epsilon(self.dp_plan.delta, earlier_steps=self.dp_steps_before)

    def _run_dp(self, *, evaluate_first: bool) -> LoopResult:
        """The DP-SGD loop: one noised step per Poisson batch, split into physical chunks.

        Sampling is fresh randomness each step (seeded from the OS), so a resumed run needs no
        data position, only its step count.
        """
        from privacy.dp import os_seeded_generator

        cfg, p = self.config, self.progress
        self.model.train()
        if evaluate_first and p.step == 0:
            self._record_eval(self.evaluate(), epoch=0)
        generator = os_seeded_generator()
        started, samples_at_start, step_at_start = time.perf_counter(), p.samples, p.step
        epsilon, epsilon_at = None, 0.0
        stopped_early = evaluated_at_end = False
        while p.step < self.total_steps:
            indices = sorted(self._dp_sample(generator), key=lambda i: -self.lengths[i])
            chunks = [indices[k:k + cfg.batch_size] for k in range(0, len(indices), cfg.batch_size)]
            total = 0.0
            for k, chunk in enumerate(chunks):
                total += self._dp_chunk(collate(self.train, chunk, self.pad_id))
                if k < len(chunks) - 1:
                    self.engine.accumulate()
            self.engine.step()
            self.scheduler.step()
            p.step += 1
            drawn = len(indices)
            if self.dist.distributed:
                drawn_all, total = self.dist.sum(drawn, total)
                drawn = int(drawn_all)
            p.samples += drawn
            now = time.perf_counter()
            if now - epsilon_at > 5.0 or p.step == self.total_steps or p.step % self.steps_per_epoch == 0:
                epsilon, epsilon_at = self.epsilon(), now
            elapsed = now - started
            rate = (p.samples - samples_at_start) / elapsed if elapsed > 0 else 0.0
            steps_rate = (p.step - step_at_start) / elapsed if elapsed > 0 else 0.0
            eta = (self.total_steps - p.step) / steps_rate if steps_rate > 0 else None
            self.emit("step", step=p.step, total_steps=self.total_steps, epoch=p.step // self.steps_per_epoch + 1,
                      loss=round(total / drawn, 5) if drawn else None, batch=drawn,
                      lr=self.scheduler.get_last_lr()[0], samples_per_s=round(rate, 2),
                      eta_s=None if eta is None else round(eta, 1),
                      epsilon=None if epsilon is None else round(epsilon, 4))
            if p.step % self.steps_per_epoch == 0:
                p.epoch += 1
                stopped_early = self._record_eval(self.evaluate(), epoch=p.epoch)
                evaluated_at_end = p.step >= self.total_steps
                self._checkpoint()
                if stopped_early:
                    break
            elif p.step % cfg.checkpoint_every == 0 and p.step < self.total_steps:
                self._checkpoint()
        if not stopped_early and not evaluated_at_end and p.step >= self.total_steps:
            stopped_early = self._record_eval(self.evaluate(), epoch=p.epoch + 1)
            self._checkpoint()
        return LoopResult(p, stopped_early, self.history)

    def _record_eval(self, val: float | None, *, epoch: int) -> bool:
        """Log a validation result; True when early stopping says stop."""
        p = self.progress
        stop = False
        if val is not None and epoch > 0:
            if p.best_val_loss is None or val < p.best_val_loss - 1e-6:
                p.best_val_loss, p.bad_epochs = val, 0
            else:
                p.bad_epochs += 1
                stop = p.bad_epochs >= self.config.patience
        elif val is not None and p.best_val_loss is None:
            p.best_val_loss = val
        row = {"epoch": epoch, "step": p.step, "val_loss": None if val is None else round(val, 5),
               "best_val_loss": None if p.best_val_loss is None else round(p.best_val_loss, 5),
               "early_stop": stop}
        self.history.append(row)
        self.emit("epoch", **row)
        return stop
