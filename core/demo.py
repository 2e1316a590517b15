"""The demo pipeline: what ``medsum demo`` runs on the built-in defaults.

1. Synthesize a corpus with gold PHI spans into the workspace, load it through the same
   record loader as real input, split it by patient, de-identify it (redaction, which needs
   no secret) and score that against the gold spans.
2. Import it as a de-identified dataset, build a tiny random-init T5 with a tokenizer
   trained on that dataset, and fine-tune it on the CPU. A random-init model cannot learn
   through a LoRA adapter alone, so the demo trains every weight (``--full``).

The dataset and the tiny model are reused when a previous demo with the same corpus made
them; each demo run is a new training run. :data:`QUICK` is the size of a smoke run of every
stage (``medsum demo --quick``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.deid_eval import score_results
from core.deid_run import DeidReport, write_deidentified
from core.records import load_records, split_by_patient, split_sizes
from core.records.split import SplitSizes
from core.synth import generate_corpus, write_corpus
from core.workspace import Workspace
from privacy.deid.scoring import Scores, Span

__all__ = ["DEFAULT", "DEMO_INPUT_FIELDS", "DEMO_MODEL", "QUICK", "DemoData", "DemoSize", "DemoTraining",
           "build_demo_model", "evaluate_demo", "import_demo_dataset", "prepare_demo_data", "summarize_demo",
           "train_demo_model"]

DEMO_MODEL = "demo-tiny-t5"
#: The clinical fields of a synthetic record, as a site would choose them with ``--input-fields``:
#: the insurer and the telephone and fax ``notes`` say nothing a summary uses.
DEMO_INPUT_FIELDS = ("diagnosis", "encounter", "medications", "patient_history", "treatment_plan")


@dataclass(frozen=True)
class DemoSize:
    """How much work a demo does: records, training, validation, evaluation and summaries."""

    n: int = 2000  # synthetic records
    epochs: int = 12
    max_steps: int | None = None  # cap on optimizer steps (overrides epochs)
    batch_size: int = 16
    eval_batches: int | None = None  # cap on validation batches per evaluation (None: all)
    eval_limit: int | None = None  # test records evaluated (None: the whole test split)
    summaries: int = 3  # raw test records summarized at the end


#: The demo on the defaults (about 3 minutes on 2 CPU cores).
DEFAULT = DemoSize()
#: A smoke run of every stage (``medsum demo --quick``): it shows that the installation works,
#: not what the model can learn.
QUICK = DemoSize(n=200, max_steps=32, batch_size=8, eval_batches=1, eval_limit=4, summaries=1)


@dataclass(frozen=True)
class DemoData:
    """What the first stage made and measured."""

    corpus_file: Path
    gold_file: Path
    records: int
    patients: int
    phi_spans: dict[str, int]
    splits: dict[str, SplitSizes]
    problems: int
    deid_file: Path
    deid: DeidReport
    deid_scores: Scores


@dataclass(frozen=True)
class DemoTraining:
    """What the second stage made: the dataset, the model and the finished run."""

    dataset: str
    dataset_created: bool
    model: str
    model_created: bool
    run_id: str
    status: str
    steps: int
    first_val_loss: float | None
    best_val_loss: float | None


def prepare_demo_data(workspace: Workspace, *, n: int = 2000, seed: int = 0) -> DemoData:
    """Synthesize ``n`` records into ``<workspace>/demo``, load and split them by patient,
    de-identify them and score that against the gold spans."""
    out_dir = workspace.root / "demo"
    out_dir.mkdir(mode=0o700, exist_ok=True)
    corpus = generate_corpus(n, seed)
    corpus_file, gold_file = out_dir / "synthetic.jsonl", out_dir / "synthetic.gold.jsonl"
    write_corpus(corpus, corpus_file, gold_file)
    loaded = load_records(corpus_file, workspace.config)
    splits = split_by_patient(loaded.records, workspace.config.split)
    deid_file = out_dir / "deidentified.jsonl"
    deid, results = write_deidentified(loaded.records, deid_file, workspace.config, strategy="redact", secret=None,
                                       keep_results=True)
    return DemoData(
        corpus_file=corpus_file,
        gold_file=gold_file,
        records=len(loaded.records),
        patients=loaded.patient_count,
        phi_spans=dict(sorted(Counter(span.category for span in corpus.gold).items())),
        splits=split_sizes(splits),
        problems=len(loaded.problems),
        deid_file=deid_file,
        deid=deid,
        deid_scores=score_results(loaded.records, results, [
            Span(g.record_id, g.path, g.start, g.end, g.category) for g in corpus.gold]),
    )


def import_demo_dataset(workspace: Workspace, corpus_file: Path, *, n: int, seed: int) -> tuple[str, bool]:
    """Import the demo corpus as the dataset ``demo-n{n}-s{seed}`` (redacted), unless it exists;
    return its name and whether it was made now."""
    from core.datasets import DatasetError, get_dataset, import_dataset

    name = f"demo-n{n}-s{seed}"
    try:
        get_dataset(workspace.root, name)
        return name, False
    except DatasetError:
        import_dataset(workspace, corpus_file, name, input_fields=list(DEMO_INPUT_FIELDS), strategy="redact")
        return name, True


def build_demo_model(workspace: Workspace, dataset: str, *, seed: int) -> bool:
    """Build the demo's tiny T5 (tokenizer trained on ``dataset``) unless it exists; True if made now."""
    from core.datasets import load_splits
    from core.models import ModelError, get_model, init_tiny

    try:
        get_model(workspace.root, DEMO_MODEL)
        return False
    except ModelError:
        train = load_splits(workspace.root, dataset)["train"]
        init_tiny(workspace.root, "t5", DEMO_MODEL, [*train["source"], *train["target"]], seed=seed)
        return True


def train_demo_model(workspace: Workspace, data: DemoData, *, n: int, seed: int, epochs: int = 12,
                     max_steps: int | None = None, batch_size: int = 16, eval_batches: int | None = None,
                     on_event: Callable[[dict[str, Any]], None] | None = None) -> DemoTraining:
    """Import the demo corpus as a dataset (redacted), build the tiny model from it, train it."""
    import json

    from core.train.config import TrainConfig
    from core.train.run import run_dir, start_run

    name, dataset_created = import_demo_dataset(workspace, data.corpus_file, n=n, seed=seed)
    model_created = build_demo_model(workspace, name, seed=seed)
    config = TrainConfig(dataset=name, model=DEMO_MODEL, full=True, epochs=epochs, max_steps=max_steps,
                         batch_size=batch_size, eval_batches=eval_batches, learning_rate=6e-3, warmup_ratio=0.05,
                         weight_decay=0.0, max_target_len=160, device="cpu", seed=seed)
    info = start_run(workspace.root, config, on_event=on_event)
    metrics = [json.loads(line) for line in (run_dir(workspace.root, info.run_id) / "metrics.jsonl").open()]
    return DemoTraining(dataset=name, dataset_created=dataset_created, model=DEMO_MODEL, model_created=model_created,
                        run_id=info.run_id, status=info.status.value, steps=info.step,
                        first_val_loss=metrics[0]["val_loss"] if metrics else None, best_val_loss=info.best_val_loss)


def evaluate_demo(workspace: Workspace, trained: DemoTraining, *, num_beams: int = 1, limit: int | None = None,
                  say: Callable[[str], None] | None = None) -> dict[str, Any]:
    """``medsum eval`` of the demo run on its test split, or its first ``limit`` records (ROUGE,
    fidelity, PHI scan, baselines)."""
    from core.evaluation.run_eval import EvalOptions, evaluate_run

    # No ``no_repeat_ngram_size``: with the tiny model's 3,000-token vocabulary most reference
    # summaries repeat a token trigram ("10 mg daily and ... 40 mg daily"), so the product
    # default of 3 would forbid the right text.
    options = EvalOptions(split="test", num_beams=num_beams, max_new_tokens=160, batch_size=32,
                          no_repeat_ngram_size=0, limit=limit)
    return evaluate_run(workspace.root, trained.run_id, options, config=workspace.config, say=say)


def summarize_demo(workspace: Workspace, data: DemoData, trained: DemoTraining, *, count: int = 3) -> tuple[Path, list[dict[str, Any]]]:
    """Summarize ``count`` raw test-split records the way ``medsum summarize --run`` does
    (de-identified in memory, as the dataset was: redaction) into ``<workspace>/demo/summaries.jsonl``."""
    import json

    from core.atomic import atomic_writer
    from core.datasets import load_splits
    from core.generation import GenerationSettings, load_summarizer, summarize_records

    test_ids = set(load_splits(workspace.root, trained.dataset)["test"]["id"])
    records = [r for r in load_records(data.corpus_file, workspace.config).records if r.record_id in test_ids][:count]
    summarizer = load_summarizer(workspace.root, run=trained.run_id)
    settings = GenerationSettings(num_beams=2, max_new_tokens=160, no_repeat_ngram_size=0)  # as evaluate_demo
    rows = summarize_records(workspace.root, records, summarizer, settings, config=workspace.config, secret=None,
                             strategy="redact")
    out = workspace.root / "demo" / "summaries.jsonl"
    with atomic_writer(out) as handle:
        handle.writelines(json.dumps(row) + "\n" for row in rows)
    return out, rows
