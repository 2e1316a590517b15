"""``medsum eval RUN``: summarize a split of the run's dataset with the trained model, score it
and the baselines against the reference summaries, scan the summaries for PHI, write the
report (JSON and Markdown) into the run and register its headline figures on the run.

Every report compares the model with three baselines: the rule-based structured summary,
lead-3 (the input's first sentences) and the base model the run started from (untrained, for
the project's tiny models).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.atomic import atomic_writer
from core.errors import MedsumError

__all__ = ["EvalCancelled", "EvalError", "EvalOptions", "EvalProgress", "evaluate_run", "report_paths"]

FORMAT = "medsum-eval/1"
_EXCERPT = 400


class EvalError(MedsumError):
    """A run cannot be evaluated (not finished, no such split); the message names it."""


class EvalCancelled(EvalError):
    """The evaluation was cancelled before its report was written: nothing was written, and
    the run's previous report and headline are unchanged."""


@dataclass(frozen=True)
class EvalProgress:
    """Where an evaluation stands: ``done`` of ``total`` records through ``stage`` ("model" or
    "base model", the two generation passes; then "scoring", and "writing" just before the
    report is written, after which a cancel is no longer heard), ``elapsed_s`` seconds into
    that stage."""

    stage: str
    done: int
    total: int
    elapsed_s: float

    @property
    def eta_s(self) -> float | None:
        """Seconds left in this stage at the rate so far; None before the first batch."""
        if self.done <= 0 or self.done > self.total:
            return None
        return self.elapsed_s / self.done * (self.total - self.done)

    def to_json(self) -> dict[str, Any]:
        """The progress as an events-file line holds it."""
        eta = self.eta_s
        return {"stage": self.stage, "done": self.done, "total": self.total, "elapsed_s": round(self.elapsed_s, 2),
                "eta_s": None if eta is None else round(eta, 1)}


@dataclass(frozen=True)
class EvalOptions:
    """What to evaluate and how to generate."""

    split: str = "test"
    num_beams: int = 4
    max_new_tokens: int = 128
    batch_size: int = 16
    no_repeat_ngram_size: int = 3
    limit: int | None = None  # at most this many records of the split (in the split's order)
    examples: int = 3
    base_model: bool = True  # also generate with the base model the run started from


def report_paths(run_directory: Path, split: str) -> tuple[Path, Path]:
    """Where the JSON and the Markdown report of ``split`` go in a run directory."""
    folder = run_directory / "eval"
    return folder / f"report-{split}.json", folder / f"report-{split}.md"


def _score(predictions: Sequence[str], references: Sequence[str], sources: Sequence[str],
           lexicon: Any) -> tuple[dict[str, Any], list[Any]]:
    """ROUGE and aggregated clinical fidelity of one system's summaries, and the per-record fidelity."""
    from core.evaluation.fidelity import aggregate_fidelity, check_fidelity
    from core.evaluation.rouge import rouge_scores

    fidelity = [check_fidelity(source, summary, lexicon) for source, summary in zip(sources, predictions, strict=True)]
    scores = {"rouge": {k: round(v, 4) for k, v in rouge_scores(predictions, references).items()},
              "fidelity": aggregate_fidelity(fidelity)}
    return scores, fidelity


def _flags(fidelity: Any) -> dict[str, list[str]]:
    return {"hallucinated": list(fidelity.hallucinated), "omitted": list(fidelity.omitted),
            "number_errors": list(fidelity.number_errors)}


def _pass(summarizer: Any, sources: list[str], settings: Any, stage: str, run_id: str,
          on_progress: Callable[[EvalProgress], None] | None, cancelled: Callable[[], bool]) -> list[str]:
    """One generation pass, reporting each batch; a cancel ends the batch under way at its next
    decoding step and stops the pass there."""
    started = time.perf_counter()

    def batch_done(done: int, total: int) -> None:
        if on_progress is not None:
            on_progress(EvalProgress(stage, done, total, time.perf_counter() - started))
        if cancelled():
            raise EvalCancelled(f"evaluation of run {run_id} cancelled: nothing was written")

    batch_done(0, len(sources))
    return summarizer.summarize(sources, settings, on_batch=batch_done,  # type: ignore[no-any-return]
                                should_stop=cancelled)


def evaluate_run(root: Path, run_id: str, options: EvalOptions, *, config: Any,
                 say: Callable[[str], None] | None = None,
                 on_progress: Callable[[EvalProgress], None] | None = None,
                 cancelled: Callable[[], bool] | None = None) -> dict[str, Any]:
    """Evaluate run ``run_id`` of the workspace at ``root`` and return the report.

    ``config`` is the workspace's :class:`~core.config.MedsumConfig` (its ``deid`` settings
    drive the PHI scan). ``say`` receives one-line progress messages; ``on_progress`` an
    :class:`EvalProgress` before and after every generation batch. ``cancelled`` is asked
    between batches and before the report is written: when it answers True the evaluation
    raises :class:`EvalCancelled` and writes nothing (the report files and the run's headline
    keep what they had). Once the report is being written, it is finished.
    """
    from core.audit import audit_event
    from core.datasets import load_splits
    from core.evaluation.baselines import lead_n, structured_baseline
    from core.evaluation.lexicon import load_lexicon
    from core.evaluation.phi_scan import scan_summaries
    from core.generation import GenerationSettings, load_summarizer
    from core.train.run import run_dir
    from core.train.runs import RunsTable, RunStatus

    tell = say or (lambda message: None)
    stop = cancelled or (lambda: False)
    try:
        info = RunsTable(root).get(run_id)
    except KeyError:
        raise EvalError(f"no run {run_id!r} in this workspace (see `medsum runs`)") from None
    if info.status != RunStatus.FINISHED:
        raise EvalError(f"run {run_id} is {info.status.value}, not finished: nothing to evaluate yet")
    directory = run_dir(root, run_id)
    saved = json.loads((directory / "config.json").read_text(encoding="utf-8"))
    splits = load_splits(root, info.dataset)
    if options.split not in splits or len(splits[options.split]) == 0:
        raise EvalError(f"dataset {info.dataset} has no records in split {options.split!r}")
    rows = splits[options.split]
    if options.limit is not None:
        rows = rows.select(range(min(options.limit, len(rows))))
    ids, sources, references = list(rows["id"]), list(rows["source"]), list(rows["target"])
    settings = GenerationSettings(num_beams=options.num_beams, max_new_tokens=options.max_new_tokens,
                                  no_repeat_ngram_size=options.no_repeat_ngram_size, batch_size=options.batch_size,
                                  max_source_len=int(saved["config"]["max_source_len"]))
    lexicon = load_lexicon()
    started = time.perf_counter()
    tell(f"Summarizing {len(sources)} {options.split} records with run {run_id} ...")
    summarizer = load_summarizer(root, run=run_id)
    predictions = _pass(summarizer, sources, settings, "model", run_id, on_progress, stop)
    generation_s = time.perf_counter() - started
    outputs: dict[str, list[str]] = {
        "model": predictions,
        "structured baseline": [structured_baseline(s, lexicon) for s in sources],
        "lead-3": [lead_n(s, 3) for s in sources],
    }
    if options.base_model:
        tell(f"Summarizing them with the base model {info.model} ...")
        outputs["base model"] = _pass(load_summarizer(root, model=info.model), sources, settings, "base model",
                                      run_id, on_progress, stop)
    if on_progress is not None:
        on_progress(EvalProgress("scoring", 0, len(ids), 0.0))
    systems: dict[str, dict[str, Any]] = {}
    model_fidelity: list[Any] = []
    for name, summaries in outputs.items():
        systems[name], per_record = _score(summaries, references, sources, lexicon)
        if name == "model":
            model_fidelity = per_record
    phi = scan_summaries(ids, sources, predictions, config.deid)
    examples = [{"id": ids[i], "source": sources[i][:_EXCERPT] + ("..." if len(sources[i]) > _EXCERPT else ""),
                 "reference": references[i], **{name: summaries[i] for name, summaries in outputs.items()
                                                if name != "lead-3"},
                 "fidelity": _flags(model_fidelity[i])}
                for i in range(min(options.examples, len(ids)))]
    baselines = {name: s["rouge"]["rougeL"] for name, s in systems.items() if name != "model"}
    best_name = max(baselines, key=lambda name: baselines[name])
    model_rouge = systems["model"]["rouge"]
    headline = {
        "split": options.split, "records": len(ids), "rouge1": model_rouge["rouge1"], "rouge2": model_rouge["rouge2"],
        "rougeL": model_rouge["rougeL"], "rougeLsum": model_rouge["rougeLsum"],
        "fidelity_precision": systems["model"]["fidelity"]["precision"],
        "fidelity_recall": systems["model"]["fidelity"]["recall"],
        "phi_new": phi["new"], "phi_new_by_category": phi["new_by_category"],
        "phi_new_records": sorted({f["id"] for f in phi["new_findings"]})[:200], "best_baseline": best_name, "best_baseline_rougeL": baselines[best_name],
        "beats_baselines": model_rouge["rougeL"] > baselines[best_name],
        "evaluated_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    report = {
        "format": FORMAT, "run_id": run_id, "dataset": info.dataset, "model": info.model,
        "method": saved.get("model", {}).get("method"), "dp": (saved.get("preflight") or {}).get("dp") is not None,
        "headline": headline, "generation": {**asdict(settings), "seconds": round(generation_s, 2),
                                             "provenance": summarizer.provenance},
        "systems": systems,
        "phi_scan": phi, "examples": examples,
    }
    if on_progress is not None:
        on_progress(EvalProgress("writing", 0, 1, 0.0))  # the last point at which a cancel is heard
    if stop():
        raise EvalCancelled(f"evaluation of run {run_id} cancelled: nothing was written")
    _write(directory, options.split, report)
    RunsTable(root).set_eval(run_id, headline)
    audit_event(root, "eval", run_id=run_id, dataset=info.dataset, split=options.split, records=len(ids),
                rougeL=headline["rougeL"], phi_new=phi["new"])
    return report


def _write(directory: Path, split: str, report: dict[str, Any]) -> None:
    """Write both formats of the report atomically: the Markdown is rendered before either file
    is touched, so a rendering error leaves both as they were."""
    from core.evaluation.report import render_eval_markdown

    json_path, md_path = report_paths(directory, split)
    json_text, md_text = json.dumps(report, indent=2, default=str), render_eval_markdown(report)
    json_path.parent.mkdir(exist_ok=True)
    with atomic_writer(json_path) as handle:
        handle.write(json_text)
    with atomic_writer(md_path) as handle:
        handle.write(md_text)
