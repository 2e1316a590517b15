"""Benchmark: summaries/s of the project's batched, length-sorted generation against a
one-record-at-a-time loop over the same inputs, in the same run.

The model has the shape of ``google/flan-t5-small`` (random init, nothing downloaded) with a
T5 tokenizer trained here on synthetic text. ``--vocab published`` (the default) keeps the
published 32,128-token vocabulary, so the LM head and the beam search cost what they cost
on the real model; ids past the small tokenizer's vocabulary decode to nothing, which does
not change the work. ``--vocab tokenizer`` sizes the vocabulary to the tokenizer instead.
Inputs are the model inputs of 64 synthetic records (the same flattening as dataset import),
truncated to 512 tokens.

Every summary is exactly ``--new-tokens`` (64) tokens long: ``min_new_tokens`` equals
``max_new_tokens``, so random weights, which would often stop at once, do the same work
in both loops. The other settings are the product's defaults (no_repeat_ngram_size 3, which
``--no-repeat 0`` turns off to show its cost, length penalty 1.0); ``--beams`` 1 is greedy. On CUDA it runs in bf16 autocast, as
``medsum summarize`` does. Target: ``batched_vs_single`` of at least 3 with batch 16.

Prints one JSON line per beam width: summaries/s of both, their ratio, and the single-record
latency (median and p95) of the one-at-a-time loop.

Run: ``.venv/bin/python bench/generate.py [--beams 1,4] [--records 64] [--batch 16] [--new-tokens 64]
[--no-repeat 3] [--device auto|cpu|cuda] [--vocab published|tokenizer]``
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import core  # noqa: F401  (offline mode before any Hugging Face import)


def _summarizer(device: str, seed: int, vocab: str):
    import torch
    from transformers import T5ForConditionalGeneration

    from core.generation import Summarizer
    from core.models import published_config
    from core.models.tiny import synthetic_texts
    from core.models.tokenizer_train import train_tokenizer

    tokenizer = train_tokenizer("t5", synthetic_texts(seed=seed), 8000, 512)
    config = published_config("flan-t5-small")
    if vocab == "tokenizer":
        config.vocab_size = len(tokenizer)
    torch.manual_seed(seed)
    model = T5ForConditionalGeneration(config)
    source = {"model": "flan-t5-small (random init)", "method": "base"}
    return Summarizer(model, tokenizer, source=source, device=device)


def _inputs(n: int, seed: int) -> list[str]:
    from core.config import MedsumConfig
    from core.records import model_input
    from core.synth import generate_corpus

    records = MedsumConfig().records
    return [model_input(record, records) for record in generate_corpus(n, seed).records]


def _sync(summarizer) -> None:
    import torch

    if summarizer.device.type == "cuda":
        torch.cuda.synchronize()


def measure(summarizer, texts: list[str], beams: int, batch: int, new_tokens: int,
            no_repeat: int = 3) -> dict[str, object]:
    """Batched generation and the one-at-a-time loop on ``texts``, after a warm-up of each."""
    from core.generation import GenerationSettings

    batched = GenerationSettings(num_beams=beams, batch_size=batch, max_new_tokens=new_tokens,
                                 min_new_tokens=new_tokens, no_repeat_ngram_size=no_repeat)
    single = batched.with_changes(batch_size=1)
    summarizer.summarize(texts[:batch], batched)  # warm-up: allocator, kernels, caches
    summarizer.summarize(texts[:1], single)
    _sync(summarizer)
    start = time.perf_counter()
    summarizer.summarize(texts, batched)
    _sync(summarizer)
    batched_s = time.perf_counter() - start
    latencies = []
    for text in texts:
        start = time.perf_counter()
        summarizer.summarize([text], single)
        _sync(summarizer)
        latencies.append(time.perf_counter() - start)
    single_s = sum(latencies)
    ordered = sorted(latencies)
    lengths = [len(ids) for ids in summarizer.tokenizer(texts, truncation=True, max_length=batched.max_source_len)["input_ids"]]
    return {
        "num_beams": beams, "batch": batch, "new_tokens": new_tokens,
        "no_repeat_ngram_size": batched.no_repeat_ngram_size,
        "batched_summaries_per_s": round(len(texts) / batched_s, 3),
        "single_summaries_per_s": round(len(texts) / single_s, 3),
        "batched_vs_single": round(single_s / batched_s, 2),
        "single_latency_median_s": round(statistics.median(latencies), 4),
        "single_latency_p95_s": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 4),
        "batched_s": round(batched_s, 2), "single_s": round(single_s, 2),
        "source_tokens_mean": round(statistics.mean(lengths), 1), "source_tokens_max": max(lengths),
    }


def main() -> None:
    """Build the model once, then print one JSON line per beam width."""
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beams", default="1", help="comma-separated beam widths (1: greedy)")
    parser.add_argument("--records", type=int, default=64)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument("--no-repeat", type=int, default=3, help="no_repeat_ngram_size (0: off)")
    parser.add_argument("--vocab", default="published", choices=("published", "tokenizer"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    summarizer = _summarizer(args.device, args.seed, args.vocab)
    texts = _inputs(args.records, args.seed)
    for beams in (int(b) for b in args.beams.split(",")):
        figures: dict[str, object] = {
            "bench": "generate", "arch": "flan-t5-small", "device": summarizer.device.type,
            "precision": summarizer.provenance["precision"], "vocab": summarizer.model.config.vocab_size,
            "vocab_from": args.vocab,
            "parameters": sum(p.numel() for p in summarizer.model.parameters()), "records": len(texts),
            **measure(summarizer, texts, beams, args.batch, args.new_tokens, args.no_repeat),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "torch_threads": torch.get_num_threads(),
        }
        if summarizer.device.type == "cuda":
            figures["peak_gpu_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
            figures["gpu"] = torch.cuda.get_device_name()
        print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
