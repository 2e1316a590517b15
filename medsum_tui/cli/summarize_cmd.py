"""``medsum summarize``: summaries of records with a stored model or a finished run, shown
with the real values in place of surrogates (mapped back in memory, never stored)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, cast

import typer

from core.errors import InputError, MedsumError
from medsum_tui.cli._fhir import FhirLevelOption, FhirMaxTokensOption, StrictOption, with_fhir
from medsum_tui.cli._names import require_known
from medsum_tui.cli._phases import PhaseClock
from medsum_tui.cli._runtime import (
    WorkspaceOption,
    emit,
    open_initialized,
    require_parent_dir,
    say,
    warn,
)
from medsum_tui.cli.app import app
from privacy.deid.settings import Strategy

__all__ = ["PHASES", "summarize_command"]

#: What ``--verbose`` reports, in this order.
PHASES = ("imports", "workspace", "load records", "secrets", "load model", "de-identify", "generate", "fidelity",
          "write")


@app.command("summarize")
def summarize_command(
    input_path: Annotated[Path, typer.Argument(metavar="INPUT", help="Records: JSON array, JSON Lines or a directory.")],
    run: Annotated[str | None, typer.Option("--run", help="A finished training run (`medsum runs`).")] = None,
    model: Annotated[str | None, typer.Option("--model", help="A model of the store (`medsum models list`).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the JSON lines here (atomically) instead of stdout.")] = None,
    batch_size: Annotated[int | None, typer.Option("--batch-size", min=1, help="Records per generation batch (default: config generation.batch_size, 16).")] = None,
    num_beams: Annotated[int | None, typer.Option("--num-beams", min=1, help="Beam width; 1 is greedy (default: config generation.num_beams, 4).")] = None,
    max_new_tokens: Annotated[int | None, typer.Option("--max-new-tokens", min=1, help="Longest summary, in tokens (default: config generation.max_new_tokens, 128).")] = None,
    no_repeat_ngram: Annotated[int | None, typer.Option("--no-repeat-ngram", min=0, help="Forbid repeating an n-gram of N tokens; 0 turns it off (default: config generation.no_repeat_ngram_size, 3).")] = None,
    strategy: Annotated[str | None, typer.Option("--strategy", help="surrogate or redact: what the model sees (default: config deid.strategy).")] = None,
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Summarize the valid records; list the bad ones.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Say on stderr where the time went, one line per phase (seconds; no record content).")] = False,
    fhir_level: FhirLevelOption = None,
    fhir_max_tokens: FhirMaxTokensOption = None,
    strict: StrictOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Summarize records: de-identified in memory for the model, real values shown in the summary.

    Writes one JSON object a line: id, summary, fidelity flags and provenance.
    """
    started = time.perf_counter()
    clock = PhaseClock("medsum summarize", enabled=verbose, order=PHASES)
    if (run is None) == (model is None):
        raise MedsumError("give exactly one of --run RUN and --model NAME", exit_code=2)
    with clock.phase("workspace"):
        opened = open_initialized(workspace)
        config = with_fhir(opened.config, fhir_level, fhir_max_tokens, strict)
        require_known(opened.root, runs=[run], models=[model])  # a mistyped name is answered before torch loads
    chosen = strategy or config.deid.strategy
    if chosen not in ("surrogate", "redact"):
        raise MedsumError(f"--strategy {chosen!r}: use surrogate or redact", exit_code=2)
    with clock.phase("imports"):
        from core.generation import GenerationSettings, load_summarizer, summarize_records
        from core.generation.warmup import import_generation_stack
        from core.records import load_records

        import_generation_stack()
    settings = GenerationSettings.from_config(config.generation).with_changes(
        batch_size=batch_size, num_beams=num_beams, max_new_tokens=max_new_tokens, no_repeat_ngram_size=no_repeat_ngram)
    require_parent_dir(out)
    with clock.phase("load records"):
        loaded = load_records(input_path, config, require_target=False)
    if loaded.fhir is not None:
        say(loaded.fhir.describe(), err=True)  # stdout carries the summaries
    if not skip_bad:
        loaded.raise_for_problems()
    for problem in loaded.problems:
        warn(f"skipped: {problem}")
    if not loaded.records:
        raise InputError("no valid records to summarize", [])
    with clock.phase("secrets"):
        from core.audit import Auditor

        auditor = Auditor(opened.root)  # before the work, so a missing secret store fails fast
        secret = None
        if chosen == "surrogate":
            from core.secrets import deid_secret

            secret = deid_secret(opened.location)
    with clock.phase("load model"):
        summarizer = load_summarizer(opened.root, run=run, model=model)
        if summarizer.device.type == "cpu":
            from core.generation.threads import use_interactive_threads

            use_interactive_threads()  # the cores other processes leave free
    with clock.phase("fidelity"):
        from core.evaluation.fidelity import fidelity_flags
        from core.evaluation.lexicon import load_lexicon

        flag = clock.timed("fidelity", fidelity_flags(load_lexicon()))
    timings: dict[str, float] = {}
    results = summarize_records(opened.root, loaded.records, summarizer, settings, config=config, secret=secret,
                                strategy=cast(Strategy, chosen), flag=flag, auditor=auditor, timings=timings)
    for name in ("de-identify", "generate"):
        clock.add(name, timings.get(name, 0.0))
    with clock.phase("write"):
        lines = [json.dumps(result, ensure_ascii=False) for result in results]
        if out is not None:
            from core.atomic import atomic_writer

            from core.audit import record_ids
            from core.hashing import sha256_file

            with atomic_writer(out, private=True) as handle:  # summaries hold the record's text: owner-only
                handle.writelines(line + "\n" for line in lines)
            auditor.event("summary.export", **record_ids([r["id"] for r in results]), format="jsonl",
                          output_sha256=sha256_file(out)[0])
        else:
            for line in lines:
                emit(line)
    clock.report()
    say(f"Summarized {len(results)} record(s) in {time.perf_counter() - started:.1f} s "
        f"-> {out if out is not None else 'stdout'}", err=True)
