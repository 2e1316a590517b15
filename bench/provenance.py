"""Benchmark: sentence-level provenance accuracy and speed on the synthetic corpus.

The generator knows which record field each sentence of a reference summary was written
from (:func:`core.synth.summary.summary_sources`). Each record is de-identified as
``medsum summarize`` does it (default configuration, ``redact``), its model input built with
the default records configuration, and its reference summary traced against that input
(:func:`core.evaluation.provenance.trace`). Prints one JSON line:

- ``top1_accuracy``: sentences whose best span lies in one of its gold fields;
- ``any_span_recall``: sentences with some kept span in a gold field;
- ``unsupported_rate``: sentences flagged unsupported (all are supported by construction);
- ``ms_per_record``: tracing time per record (the de-identification is not counted);
- ``mts_dialog``: the supported rate of MTS-Dialog's real note sections against their
  dialogues (``tests/data/mts-dialog`` validation set; no per-sentence gold, so no accuracy).

Run: ``.venv/bin/python bench/provenance.py [--n 500] [--seed 0]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.config import MedsumConfig  # noqa: E402
from core.evaluation.lexicon import load_lexicon  # noqa: E402
from core.evaluation.provenance import trace  # noqa: E402
from core.records import model_input  # noqa: E402
from core.synth import generate_corpus  # noqa: E402
from privacy.deid.engine import Deidentifier  # noqa: E402

_MTS = ROOT / "tests" / "data" / "mts-dialog" / "validation.jsonl"


def _gold_for(summary: str, plan: list[tuple[str, frozenset[str]]], start: int, end: int) -> frozenset[str]:
    """The gold fields of the planned sentence that holds ``summary[start:end]``."""
    offset = 0
    for sentence, fields in plan:
        if offset <= start and end <= offset + len(sentence):
            return fields
        offset += len(sentence) + 1
    return frozenset()


def synthetic(n: int, seed: int) -> dict[str, float | int]:
    """Accuracy, recall, unsupported rate and speed on ``n`` synthetic records."""
    config = MedsumConfig()
    corpus = generate_corpus(n, seed)
    engine = Deidentifier(config.deid, id_field=config.records.id_field)
    lexicon = load_lexicon()
    inputs = []
    for record in corpus.records:
        outcome = engine.deidentify(record, record["id"], strategy="redact", residual_scan=False)
        inputs.append((model_input(outcome.record, config.records), record["summary"], set(outcome.record)))
    trace(inputs[0][0], inputs[0][1], lexicon)  # warm the lexicon's caches
    started = time.perf_counter()
    traced = [trace(source, summary, lexicon, field_names=keys) for source, summary, keys in inputs]
    seconds = time.perf_counter() - started
    sentences = top1 = any_span = unsupported = unmatched = 0
    for (_, summary, _), plan, supports in zip(inputs, corpus.summary_sources, traced, strict=True):
        for support in supports:
            gold = _gold_for(summary, plan, support.start, support.end)
            unmatched += not gold
            sentences += 1
            top1 += bool(support.spans) and support.spans[0].field in gold
            any_span += any(span.field in gold for span in support.spans)
            unsupported += not support.supported
    return {"records": n, "seed": seed, "sentences": sentences, "top1_accuracy": round(top1 / sentences, 4),
            "any_span_recall": round(any_span / sentences, 4), "unsupported_rate": round(unsupported / sentences, 4),
            "sentences_without_gold": unmatched, "ms_per_record": round(1000 * seconds / n, 3)}


def mts_dialog() -> dict[str, float | int] | None:
    """The supported rate of MTS-Dialog's note sections against their dialogues, or None."""
    if not _MTS.exists():
        return None
    lexicon = load_lexicon()
    sentences = supported = 0
    for line in _MTS.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        source = model_input({"dialogue": row["dialogue"]}, MedsumConfig().records)
        for support in trace(source, row["summary"], lexicon, field_names={"dialogue"}):
            sentences += 1
            supported += support.supported
    return {"pairs": len(_MTS.read_text(encoding="utf-8").splitlines()), "sentences": sentences,
            "supported_rate": round(supported / sentences, 4) if sentences else 0.0}


def main() -> None:
    """Parse the arguments and print the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500, help="synthetic records (default 500)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    args = parser.parse_args()
    print(json.dumps({"bench": "provenance", **synthetic(args.n, args.seed), "mts_dialog": mts_dialog()}))


if __name__ == "__main__":
    main()
