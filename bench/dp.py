"""Benchmark: the cost and the utility of DP-SGD.

``overhead``: the flan-t5-small-shaped model (published config, random init, no download) with
LoRA r=16 on q/v, batch 8, source 256 / target 64 tokens. A non-private step (forward, the
model's loss, backward, AdamW) against a DP step on the same batches (forward, the per-sequence
loss, backward with per-sample gradient hooks, clipping, noise, AdamW). Each mode runs in its
own process so its peak memory is its own; the modes alternate, best of ``--repeats``. Prints
samples/s and peak memory of both, and ``dp_vs_plain`` (slowdown; the target is 1.5 or less).

``utility``: the project's tiny BART, pretrained non-privately on a public synthetic corpus,
then LoRA-fine-tuned on a second corpus the same number of steps without DP and at epsilon 8
and 3 (PRV, delta 1/(10 N)): the validation loss of each.

``utility-scale`` (``bench/dp_scale.py``): the same question at a DP-viable scale (thousands of
records, a logical batch of 512 or more, LoRA r=1 or 2 on q/v): validation loss, ROUGE-L and the
measured signal-to-noise ratio per step at epsilon 1, 3, 8 and infinity, one JSON line each,
then a summary line with the fraction of the non-private improvement recovered at epsilon 8.
``--scale small`` is for 2 CPU cores (20 min on a shared 2-core VM); ``--scale full --device cuda`` is for a GPU.

Run: ``.venv/bin/python bench/dp.py [--part overhead,utility] [--steps 4] [--repeats 2] [--n 600]
[--pretrain-steps 150] [--utility-steps 40]``
and ``.venv/bin/python bench/dp.py --part utility-scale --scale small|full|toy [--device cpu|cuda|auto]``
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import core  # noqa: F401  (offline mode before any Hugging Face import)

BATCH, SOURCE, TARGET = 8, 256, 64


def _sync(device: Any) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize()


def _one_mode(mode: str, steps: int, warmup: int) -> dict[str, Any]:
    """samples/s and peak memory of ``steps`` plain or DP steps on fixed batches (in this process)."""
    import contextlib

    import torch
    from peft import LoraConfig, TaskType, get_peft_model
    from transformers import AutoModelForSeq2SeqLM

    from core.models import lora_targets, published_config
    from core.train.batching import Encoded, collate
    from privacy.dp import DpEngine, sequence_loss_sum

    use_cuda = torch.cuda.is_available()
    device = torch.device("cuda" if use_cuda else "cpu")
    dtype = torch.bfloat16 if use_cuda and torch.cuda.is_bf16_supported() else None
    config = published_config("flan-t5-small")
    torch.manual_seed(0)
    model = AutoModelForSeq2SeqLM.from_config(config).to(device)
    model = get_peft_model(model, LoraConfig(task_type=TaskType.SEQ_2_SEQ_LM, r=16, lora_alpha=32,
                                             lora_dropout=0.05, target_modules=lora_targets("t5")))
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=5e-4,
                                  foreach=use_cuda)
    engine = None
    if mode == "dp":
        engine = DpEngine(model, optimizer, noise_multiplier=1.0, max_grad_norm=1.0, sample_rate=0.01,
                          expected_batch_size=BATCH, device=device)
    rng = random.Random(0)
    n = BATCH * (steps + warmup)
    data = Encoded([[rng.randrange(5, config.vocab_size) for _ in range(SOURCE - 1)] + [1] for _ in range(n)],
                   [[rng.randrange(5, config.vocab_size) for _ in range(TARGET - 1)] + [1] for _ in range(n)])
    batches = [collate(data, range(i * BATCH, (i + 1) * BATCH), 0) for i in range(steps + warmup)]
    if use_cuda:
        torch.cuda.reset_peak_memory_stats()
    start = 0.0
    for i, batch in enumerate(batches):
        if i == warmup:
            _sync(device)
            start = time.perf_counter()
        batch = {k: v.to(device) for k, v in batch.items()}
        ctx = torch.autocast(device.type, dtype=dtype) if dtype is not None else contextlib.nullcontext()
        if engine is None:
            with ctx:
                loss = model(**batch).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
        else:
            with ctx:
                logits = model(**batch).logits
            sequence_loss_sum(logits, batch["labels"]).backward()
            engine.step()
    _sync(device)
    rate = steps * BATCH / (time.perf_counter() - start)
    figures = {"samples_per_s": rate, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
               "device": str(device), "precision": "bf16" if dtype else "fp32"}
    if use_cuda:
        figures["peak_gpu_mb"] = torch.cuda.max_memory_allocated() / 2**20
        figures["gpu"] = torch.cuda.get_device_name()
    return figures


def overhead(steps: int, warmup: int, repeats: int) -> dict[str, Any]:
    """Plain and DP steps in alternating subprocesses; the best rate and the peak memory of each."""
    runs: dict[str, list[dict[str, Any]]] = {"plain": [], "dp": []}
    for repeat in range(repeats):
        for mode in (("plain", "dp") if repeat % 2 == 0 else ("dp", "plain")):
            out = subprocess.run([sys.executable, __file__, "--one", mode, "--steps", str(steps),
                                  "--warmup", str(warmup)], check=True, capture_output=True, text=True).stdout
            runs[mode].append(json.loads(out.strip().splitlines()[-1]))
    plain = max(runs["plain"], key=lambda r: r["samples_per_s"])
    dp = max(runs["dp"], key=lambda r: r["samples_per_s"])
    memory = "peak_gpu_mb" if "peak_gpu_mb" in plain else "peak_rss_mb"
    figures: dict[str, Any] = {
        "bench": "dp-overhead", "arch": "flan-t5-small (random init)", "method": "lora r=16", "batch": BATCH,
        "source_len": SOURCE, "target_len": TARGET, "steps": steps, "repeats": repeats,
        "device": plain["device"], "precision": plain["precision"],
        "plain_samples_per_s": round(plain["samples_per_s"], 3), "dp_samples_per_s": round(dp["samples_per_s"], 3),
        "dp_vs_plain": round(plain["samples_per_s"] / dp["samples_per_s"], 3),
        f"plain_{memory}": round(max(r[memory] for r in runs["plain"]), 1),
        f"dp_{memory}": round(max(r[memory] for r in runs["dp"]), 1),
    }
    figures["dp_vs_plain_memory"] = round(figures[f"dp_{memory}"] / figures[f"plain_{memory}"], 3)
    if "gpu" in plain:
        figures["gpu"] = plain["gpu"]
    return figures


def utility(n: int, pretrain_steps: int, steps: int) -> dict[str, Any]:
    """Validation loss after ``steps`` LoRA steps without DP and at epsilon 8 and 3.

    As in practice, DP fine-tunes a model pretrained on public data: the tiny BART is first
    trained (fully, non-privately) on one synthetic corpus, stored, then LoRA-fine-tuned on a
    second corpus of other patients, the "private" one. Every fine-tuning run has the same
    logical batch (16 x 4), learning rate and number of steps.
    """
    os.environ.setdefault("MEDSUM_KEYRING", "cryptfile")
    os.environ.setdefault("MEDSUM_KEYRING_PASSPHRASE", "bench-only-passphrase")
    from core.datasets import import_dataset, load_splits
    from core.ledger import open_ledger
    from core.models import import_model, init_tiny
    from core.synth import generate_corpus, write_corpus
    from core.train.config import TrainConfig
    from core.train.run import run_dir, start_run
    from core.workspace import init_workspace, resolve_workspace

    with tempfile.TemporaryDirectory() as tmp:
        opened, _ = init_workspace(resolve_workspace(Path(tmp) / "ws"))
        for name, seed in (("public", 5), ("private", 6)):
            corpus = Path(tmp) / f"{name}.jsonl"
            write_corpus(generate_corpus(n, seed), corpus, None)
            import_dataset(opened, corpus, name, strategy="redact")
        init_tiny(opened.root, "bart", "tiny", list(load_splits(opened.root, "public")["train"]["source"]))
        common = {"batch_size": 16, "max_source_len": 256, "max_target_len": 128, "checkpoint_every": 10**6,
                  "patience": 10**3}
        pretrain = start_run(opened.root, TrainConfig(dataset="public", model="tiny", full=True, learning_rate=2e-3,
                                                      max_steps=pretrain_steps, **common))  # type: ignore[arg-type]
        import_model(opened.root, run_dir(opened.root, pretrain.run_id) / "model", "tiny-pretrained")
        figures: dict[str, Any] = {"bench": "dp-utility", "model": "tiny bart, pretrained on public synthetic data, "
                                   "LoRA r=16 on q/v/k/out/fc", "records": n, "pretrain_steps": pretrain_steps,
                                   "steps": steps, "logical_batch": 64, "delta": "1/(10 N)"}
        settings: dict[str, dict[str, Any]] = {"plain": {}, "eps8": {"dp": True, "target_epsilon": 8.0},
                                               "eps3": {"dp": True, "target_epsilon": 3.0}}
        for label, extra in settings.items():
            config = TrainConfig(dataset="private", model="tiny-pretrained", grad_accum=4, learning_rate=5e-3,
                                 max_steps=steps, warmup_ratio=0.0, lora_dropout=0.0,
                                 target_modules=["q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2"],
                                 **common, **extra)  # type: ignore[arg-type]
            started = time.perf_counter()
            info = start_run(opened.root, config)
            metrics = (run_dir(opened.root, info.run_id) / "metrics.jsonl").read_text().splitlines()
            figures["before_val_loss"] = json.loads(metrics[0])["val_loss"]
            figures[f"{label}_val_loss"] = json.loads(metrics[-1])["val_loss"]
            figures[f"{label}_s"] = round(time.perf_counter() - started, 1)
            row = open_ledger(opened.root).get_run(info.run_id)
            if row.epsilon is not None and row.dp is not None:
                figures[f"{label}_epsilon"] = round(row.epsilon, 3)
                figures[f"{label}_noise"] = round(row.dp.noise_multiplier, 4)
        return figures


def main() -> None:
    """Run the chosen parts and print one JSON line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", default="overhead,utility")
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--n", type=int, default=600)
    parser.add_argument("--pretrain-steps", type=int, default=150)
    parser.add_argument("--utility-steps", type=int, default=40)
    parser.add_argument("--scale", choices=("toy", "small", "full"), default="small", help="utility-scale size")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="utility-scale device")
    parser.add_argument("--scale-set", default="", help="utility-scale: override fields of the scale, "
                        "e.g. records=3000,pretrain_steps=2,steps=1,eval_records=8 (smoke runs)")
    parser.add_argument("--one", choices=("plain", "dp"), help=argparse.SUPPRESS)  # internal: one mode here
    args = parser.parse_args()
    if args.one:
        print(json.dumps(_one_mode(args.one, args.steps, args.warmup)), flush=True)
        return
    parts = args.part.split(",")
    if "overhead" in parts:
        print(json.dumps(overhead(args.steps, args.warmup, args.repeats)), flush=True)
    if "utility" in parts:
        print(json.dumps(utility(args.n, args.pretrain_steps, args.utility_steps)), flush=True)
    if "utility-scale" in parts:
        from bench.dp_scale import SCALES, override, run_scale

        try:
            scale = override(SCALES[args.scale], args.scale_set)
        except ValueError as exc:
            parser.error(str(exc))
        run_scale(scale, device=args.device, emit=lambda line: print(line, flush=True))


if __name__ == "__main__":
    main()
