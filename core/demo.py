"""The demo pipeline: what ``medsum demo`` runs on the built-in defaults.

Today it synthesizes a corpus with gold PHI spans into the workspace, loads it through the
same record loader as real input, splits it by patient, de-identifies it (redaction, which
needs no secret) and scores the de-identification against the gold spans. Later stages
(training, evaluation) extend it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from core.deid_eval import score_results
from core.deid_run import DeidReport, write_deidentified
from core.records import load_records, split_by_patient, split_sizes
from core.records.split import SplitSizes
from core.synth import generate_corpus, write_corpus
from core.workspace import Workspace
from privacy.deid.scoring import Scores, Span

__all__ = ["DemoResult", "run_demo"]


@dataclass(frozen=True)
class DemoResult:
    """What the demo made and measured."""

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


def run_demo(workspace: Workspace, *, n: int = 200, seed: int = 0) -> DemoResult:
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
    return DemoResult(
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
