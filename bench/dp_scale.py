"""Benchmark ``utility-scale``: DP-SGD utility at a scale where DP can learn.

The ``utility`` part of ``bench/dp.py`` fine-tunes on 480 records with a logical batch of 64
and 147k LoRA parameters: the added noise (norm about sigma * C * sqrt(d)) is ~70 times the
summed clipped gradient, so DP learns nothing. This part makes the signal win: many records
(the project's synthetic generator, ``core.synth.generate_corpus``, as ``medsum synth``), a
logical (Poisson) batch of 512 or more split into physical chunks by the training loop, and a
rank-1 or rank-2 LoRA on ``q_proj``/``v_proj`` only, so d is a few thousand.

Everything goes through the product: ``import_dataset`` (de-identification, redact), the tiny
BART (``init_tiny``) pretrained non-privately on a public corpus (``start_run``, full), then
for each setting (epsilon infinity, 8, 3, 1 with PRV, delta 1/(10 N)) a LoRA run through
``start_run`` (pre-flight, ledger, the DP loop of ``core.train.loop`` with ``privacy.dp``'s
engine) and ``evaluate_run`` on the validation split (greedy, ROUGE-L).

SNR per step: this process wraps the Opacus optimizer's ``add_noise`` of each DP engine
(bench-only; the product computes no gradient norm). Before the noise is added it takes the
norm of the summed clipped per-sample gradients (``p.summed_grad`` over every trainable
parameter); after, the norm of what was added (``p.grad - p.summed_grad``, the real noise
draw). ``snr`` is the mean over steps of signal / noise; ``noise_norm_expected`` is
sigma * C * sqrt(d). Neither is ever written to the workspace.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import core  # noqa: F401  (offline mode before any Hugging Face import)

__all__ = ["SCALES", "Scale", "SnrMeter", "override", "run_scale"]


@dataclass(frozen=True)
class Scale:
    """One size of the benchmark: corpus, pretraining, fine-tuning and evaluation settings."""

    records: int  # private corpus (80 % train)
    public_records: int  # public corpus for the non-private pretraining
    pretrain_steps: int
    logical_batch: int  # expected Poisson batch under DP, batch_size * grad_accum without
    physical_batch: int
    steps: int  # fine-tuning optimizer steps, the same for every setting
    lora_r: int
    learning_rate: float
    max_grad_norm: float
    eval_records: int  # validation records summarized for ROUGE-L
    max_new_tokens: int
    max_source_len: int = 256
    max_target_len: int = 64
    deid_workers: int = 1


SCALES: dict[str, Scale] = {
    # GPU (--device cuda): ~24k records, logical batch 1024.
    "full": Scale(records=24000, public_records=3000, pretrain_steps=400, logical_batch=1024, physical_batch=256,
                  steps=150, lora_r=2, learning_rate=5e-3, max_grad_norm=0.1, eval_records=256, max_new_tokens=64,
                  deid_workers=8),
    # 2 CPU cores (20 min measured on a shared 2-core VM): 128 / 32 tokens, 12 steps.
    "small": Scale(records=3000, public_records=600, pretrain_steps=60, logical_batch=512, physical_batch=128,
                   steps=12, lora_r=1, learning_rate=2e-2, max_grad_norm=0.1, eval_records=32, max_new_tokens=32,
                   max_source_len=128, max_target_len=32),
    # The test's size: seconds of training, checks the code path and the output fields.
    "toy": Scale(records=160, public_records=60, pretrain_steps=2, logical_batch=32, physical_batch=16, steps=2,
                 lora_r=1, learning_rate=1e-2, max_grad_norm=0.1, eval_records=4, max_new_tokens=8,
                 max_source_len=64, max_target_len=16),
}

def override(scale: Scale, spec: str) -> Scale:
    """``scale`` with the ``name=value,...`` changes of ``spec`` (for smoke runs); ValueError
    naming the field when a name is unknown or a value does not parse."""
    kinds = {f.name: f.type for f in fields(Scale)}
    changes: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, value = item.partition("=")
        if name not in kinds:
            raise ValueError(f"--scale-set: no field {name!r} (fields: {', '.join(kinds)})")
        try:
            changes[name] = float(value) if kinds[name] == "float" else int(value)
        except ValueError:
            raise ValueError(f"--scale-set: {name}={value!r} is not a number") from None
    return replace(scale, **changes)


TARGETS = ["q_proj", "v_proj"]
EPSILONS: tuple[float | None, ...] = (None, 8.0, 3.0, 1.0)  # None: non-private


class SnrMeter:
    """Per-step signal and noise norms of DP engines, recorded by wrapping ``add_noise``."""

    def __init__(self) -> None:
        """Start with no engine watched."""
        self.rows: list[tuple[float, float, float]] = []  # (signal, noise, expected noise)
        self.dimension = 0

    def watch(self, optimizer: Any) -> None:
        """Wrap the Opacus ``DPOptimizer`` ``optimizer`` so every noised step is measured."""
        import torch

        params = list(optimizer.params)
        self.dimension = sum(p.numel() for p in params)
        expected = optimizer.noise_multiplier * optimizer.max_grad_norm * math.sqrt(self.dimension)
        inner = optimizer.add_noise

        def add_noise() -> None:
            with torch.no_grad():
                signal = math.sqrt(sum(float(p.summed_grad.double().pow(2).sum()) for p in params))
                inner()
                noise = math.sqrt(sum(float((p.grad.double() - p.summed_grad.double().view_as(p.grad)).pow(2).sum())
                                      for p in params))
            self.rows.append((signal, noise, expected))

        optimizer.add_noise = add_noise

    def summary(self) -> dict[str, Any]:
        """Mean signal norm, noise norm (measured and expected) and SNR over the steps seen."""
        if not self.rows:
            return {"snr": None, "signal_norm": None, "noise_norm": None, "noise_norm_expected": None}
        n = len(self.rows)
        return {"snr": round(sum(s / z for s, z, _ in self.rows if z > 0) / n, 4),
                "signal_norm": round(sum(r[0] for r in self.rows) / n, 4),
                "noise_norm": round(sum(r[1] for r in self.rows) / n, 4),
                "noise_norm_expected": round(self.rows[0][2], 4), "snr_steps": n}


def _install_meter(meter: SnrMeter) -> Any:
    """Make every ``DpEngine`` built from now on report to ``meter``; returns the original init."""
    from privacy.dp import DpEngine

    original = DpEngine.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        meter.watch(self.optimizer)

    DpEngine.__init__ = init  # type: ignore[method-assign]
    return original


def _val_losses(root: Path, run_id: str) -> tuple[float, float]:
    """The first and the last validation loss a run recorded."""
    from core.train.run import run_dir

    rows = [json.loads(line) for line in (run_dir(root, run_id) / "metrics.jsonl").read_text().splitlines()]
    return rows[0]["val_loss"], rows[-1]["val_loss"]


def run_scale(scale: Scale, *, device: str = "auto", emit: Any = print) -> dict[str, Any]:
    """Run every setting at ``scale``; ``emit`` gets one JSON line per setting and the summary."""
    os.environ.setdefault("MEDSUM_KEYRING", "cryptfile")
    os.environ.setdefault("MEDSUM_KEYRING_PASSPHRASE", "bench-only-passphrase")
    from core.datasets import import_dataset, load_splits
    from core.evaluation.run_eval import EvalOptions, evaluate_run
    from core.ledger import open_ledger
    from core.models import import_model, init_tiny
    from core.synth import generate_corpus, write_corpus
    from core.train.config import TrainConfig
    from core.train.run import run_dir, start_run
    from core.workspace import init_workspace, resolve_workspace
    from privacy.dp import DpEngine

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        opened, _ = init_workspace(resolve_workspace(Path(tmp) / "ws"))
        for name, count, seed in (("public", scale.public_records, 5), ("private", scale.records, 6)):
            corpus = Path(tmp) / f"{name}.jsonl"
            write_corpus(generate_corpus(count, seed), corpus, None)
            import_dataset(opened, corpus, name, strategy="redact", workers=scale.deid_workers)
        data_s = time.perf_counter() - started
        train_records = len(load_splits(opened.root, "private")["train"])
        init_tiny(opened.root, "bart", "tiny", list(load_splits(opened.root, "public")["train"]["source"]))
        common: dict[str, Any] = {"max_source_len": scale.max_source_len, "max_target_len": scale.max_target_len,
                                  "checkpoint_every": 10**6, "patience": 10**3, "device": device}
        pretrain = start_run(opened.root, TrainConfig(dataset="public", model="tiny", full=True, learning_rate=2e-3,
                                                      batch_size=32, max_steps=scale.pretrain_steps, **common))
        import_model(opened.root, run_dir(opened.root, pretrain.run_id) / "model", "tiny-pretrained")
        accum = max(1, scale.logical_batch // scale.physical_batch)
        base = TrainConfig(dataset="private", model="tiny-pretrained", batch_size=scale.physical_batch,
                           grad_accum=accum, learning_rate=scale.learning_rate, max_steps=scale.steps,
                           warmup_ratio=0.0, lora_r=scale.lora_r, lora_alpha=2 * scale.lora_r, lora_dropout=0.0,
                           target_modules=TARGETS, max_grad_norm=scale.max_grad_norm, **common)
        options = EvalOptions(split="validation", num_beams=1, max_new_tokens=scale.max_new_tokens,
                              batch_size=32, limit=scale.eval_records, examples=0, base_model=False)
        rows: list[dict[str, Any]] = []
        original = DpEngine.__init__
        try:
            for epsilon in EPSILONS:
                meter = SnrMeter()
                _install_meter(meter)
                config = base if epsilon is None else replace_config(base, dp=True, target_epsilon=epsilon)
                began = time.perf_counter()
                info = start_run(opened.root, config)
                train_s = time.perf_counter() - began
                before, after = _val_losses(opened.root, info.run_id)
                report = evaluate_run(opened.root, info.run_id, options, config=opened.config)
                row: dict[str, Any] = {
                    "bench": "dp-utility-scale", "setting": "inf" if epsilon is None else f"eps{epsilon:g}",
                    "target_epsilon": epsilon, "before_val_loss": before, "val_loss": after,
                    "rougeL": round(report["headline"]["rougeL"], 4), "train_s": round(train_s, 1)}
                ledger_row = open_ledger(opened.root).get_run(info.run_id)
                if ledger_row.dp is not None:
                    row.update(epsilon=round(ledger_row.epsilon or 0.0, 3),
                               noise_multiplier=round(ledger_row.dp.noise_multiplier, 4),
                               sample_rate=round(ledger_row.dp.sample_rate, 5),
                               trainable_params=meter.dimension, **meter.summary())
                else:
                    row.update(epsilon=None, noise_multiplier=0.0, snr=None)
                rows.append(row)
                emit(json.dumps(row))
        finally:
            DpEngine.__init__ = original  # type: ignore[method-assign]
    plain = next(r for r in rows if r["target_epsilon"] is None)
    eps8 = next(r for r in rows if r["target_epsilon"] == 8.0)
    gain = plain["before_val_loss"] - plain["val_loss"]
    summary = {
        "bench": "dp-utility-scale-summary", "records": scale.records, "train_records": train_records,
        "public_records": scale.public_records, "pretrain_steps": scale.pretrain_steps,
        "logical_batch": scale.logical_batch, "physical_batch": scale.physical_batch, "grad_accum": accum,
        "steps": scale.steps, "lora_r": scale.lora_r, "lora_targets": TARGETS, "learning_rate": scale.learning_rate,
        "max_grad_norm": scale.max_grad_norm, "delta": "1/(10 N)", "accountant": "prv", "device": device,
        "before_val_loss": plain["before_val_loss"],
        "recovered_at_eps8": round((eps8["before_val_loss"] - eps8["val_loss"]) / gain, 4) if gain > 0 else None,
        "data_s": round(data_s, 1), "total_s": round(time.perf_counter() - started, 1),
    }
    emit(json.dumps(summary))
    return summary


def replace_config(config: Any, **changes: Any) -> Any:
    """A validated copy of a ``TrainConfig`` with ``changes``."""
    return type(config)(**{**config.model_dump(), **changes})

