"""Benchmark: LoRA fine-tuning throughput of the project's training loop against a bare
PyTorch loop on the same model, in the same run.

For each published architecture (random-init, no download: ``google/flan-t5-small`` and
``sshleifer/distilbart-cnn-12-6`` configs), LoRA r=16 on the q/v projections, batch 8,
source 256 / target 64 tokens. The bare loop is forward, backward and an AdamW step; the
project's loop adds its batching, dynamic padding, loss checks, gradient clipping and the
schedule. Each architecture runs in its own process so its peak RSS is its own.

Prints one JSON line per architecture: samples/s of both loops, ``loop_vs_bare`` (the
target is at least 0.9), peak RSS, and on CUDA (bf16 autocast) peak GPU memory.

Run: ``.venv/bin/python bench/train.py [--arch flan-t5-small,distilbart-cnn-12-6] [--steps 4] [--warmup 1] [--repeats 2]``
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import core  # noqa: E402,F401  (offline mode before any Hugging Face import)

BATCH, SOURCE, TARGET = 8, 256, 64


def _model(name: str):  # noqa: ANN202
    import torch
    from peft import LoraConfig, TaskType, get_peft_model
    from transformers import AutoModelForSeq2SeqLM

    from core.models import lora_targets, published_config

    config = published_config(name)
    torch.manual_seed(0)
    model = AutoModelForSeq2SeqLM.from_config(config)
    family = "t5" if config.model_type in ("t5", "mt5") else "bart"
    lora = LoraConfig(task_type=TaskType.SEQ_2_SEQ_LM, r=16, lora_alpha=32, lora_dropout=0.05,
                      target_modules=lora_targets(family))
    return get_peft_model(model, lora), config


def _data(vocab: int, n: int):  # noqa: ANN202
    from core.train.batching import Encoded

    rng = random.Random(0)
    src = [[rng.randrange(5, vocab) for _ in range(SOURCE - 1)] + [1] for _ in range(n)]
    tgt = [[rng.randrange(5, vocab) for _ in range(TARGET - 1)] + [1] for _ in range(n)]
    return Encoded(src, tgt)


def _bare(model, data, steps: int, warmup: int, device, dtype) -> float:  # noqa: ANN001
    """samples/s of forward + backward + AdamW on fixed batches."""
    import contextlib

    import torch

    from core.train.batching import collate

    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=5e-4, weight_decay=0.01, foreach=device.type == "cuda")
    model.train()
    batches = [collate(data, range(i * BATCH, (i + 1) * BATCH), 0) for i in range(steps + warmup)]
    start = 0.0
    for i, batch in enumerate(batches):
        if i == warmup:
            _sync(device)
            start = time.perf_counter()
        batch = {k: v.to(device) for k, v in batch.items()}
        ctx = torch.autocast(device.type, dtype=dtype) if dtype is not None else contextlib.nullcontext()
        with ctx:
            loss = model(**batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    _sync(device)
    return steps * BATCH / (time.perf_counter() - start)


def _project(model, data, steps: int, warmup: int) -> float:  # noqa: ANN001
    """samples/s of the project's TrainingLoop over the same number of steps."""
    from core.train.batching import Encoded
    from core.train.config import TrainConfig
    from core.train.loop import TrainingLoop

    config = TrainConfig(dataset="bench", model="bench", full=False, max_steps=steps + warmup, batch_size=BATCH,
                         checkpoint_every=10**6, max_source_len=SOURCE, max_target_len=TARGET, warmup_ratio=0.0)
    marks: dict[int, float] = {}

    def emit(kind: str, **fields: object) -> None:
        if kind == "step":
            _sync(loop.device)
            marks[int(fields["step"])] = time.perf_counter()  # type: ignore[call-overload]

    loop = TrainingLoop(model, data, Encoded([], []), config, pad_id=0, emit=emit)
    if warmup == 0:
        raise SystemExit("--warmup must be at least 1 (the first step marks the start)")
    loop.run(evaluate_first=False)
    return steps * BATCH / (marks[steps + warmup] - marks[warmup])


def _sync(device) -> None:  # noqa: ANN001
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize()


def measure(name: str, steps: int, warmup: int, repeats: int) -> dict[str, object]:
    """Both loops on architecture ``name``, best of ``repeats`` each, the order alternating."""
    import torch

    from core.train.config import TrainConfig
    from core.train.loop import pick_device

    device, dtype = pick_device(TrainConfig(dataset="b", model="b"))
    model, config = _model(name)
    model.to(device)
    data = _data(config.vocab_size, BATCH * (steps + warmup))
    bare, loop = [], []
    for repeat in range(repeats):  # alternate which loop goes first, so neither gains from the order
        if repeat % 2:
            loop.append(_project(model, data, steps, warmup))
        bare.append(_bare(model, data, steps, warmup, device, dtype))
        if not repeat % 2:
            loop.append(_project(model, data, steps, warmup))
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    figures: dict[str, object] = {
        "bench": "train", "arch": name, "device": str(device), "precision": "bf16" if dtype else "fp32",
        "method": "lora r=16", "batch": BATCH, "source_len": SOURCE, "target_len": TARGET, "steps": steps,
        "parameters": sum(p.numel() for p in model.parameters()), "trainable": trainable,
        "bare_samples_per_s": round(max(bare), 3), "loop_samples_per_s": round(max(loop), 3),
        "loop_vs_bare": round(max(loop) / max(bare), 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "torch_threads": torch.get_num_threads(),
    }
    if device.type == "cuda":
        figures["peak_gpu_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
        figures["gpu"] = torch.cuda.get_device_name()
    return figures


def main() -> None:
    """Run each architecture in its own process and print its JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", default="flan-t5-small,distilbart-cnn-12-6")
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # internal: measure in this process
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.arch, args.steps, args.warmup, args.repeats)), flush=True)
        return
    for name in args.arch.split(","):
        subprocess.run([sys.executable, __file__, "--one", "--arch", name, "--steps", str(args.steps),
                        "--warmup", str(args.warmup), "--repeats", str(args.repeats)], check=True)


if __name__ == "__main__":
    main()
