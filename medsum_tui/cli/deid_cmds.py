"""``medsum deid`` and ``medsum deid-eval``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from core.atomic import atomic_writer
from core.errors import MedsumError
from medsum_tui.cli._json import emit_json
from medsum_tui.cli._runtime import (
    JsonOption,
    WorkspaceOption,
    emit,
    require_parent_dir,
    say,
    set_quiet,
    settings_for_command,
    warn,
)
from medsum_tui.cli.app import app

__all__ = ["deid_command", "deid_eval_command"]


@app.command("deid")
def deid_command(
    input_path: Annotated[Path, typer.Argument(metavar="INPUT", help="Records: JSON array, JSON Lines or a directory; or FHIR R4 (Bundles, NDJSON resources).")],
    out: Annotated[Path, typer.Option("--out", help="De-identified records to write (JSON Lines); FHIR input gives "
                                                    "FHIR: one Bundle file in, one Bundle out, else one value per line.")],
    strategy: Annotated[str | None, typer.Option("--strategy", help="surrogate or redact (default: config deid.strategy).")] = None,
    report: Annotated[Path | None, typer.Option("--report", help="Write counts by category and the residual scan (word "
                                                                  "tokens neither allow-listed nor replaced, and the ids "
                                                                  "of the records holding them) as JSON.")] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes for large corpora (FHIR input: one process).")] = 1,
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="De-identify the valid records; list the bad ones.")] = False,
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """De-identify records: PHI in structured fields and free text, replaced by surrogates or tags."""
    if as_json:
        set_quiet(True)
    location, loaded = settings_for_command(workspace)
    config = loaded.config
    chosen = strategy or config.deid.strategy
    if chosen not in ("surrogate", "redact"):
        raise MedsumError(f"--strategy {chosen!r}: use surrogate or redact", exit_code=2 if strategy else 1)
    from core.deid_run import deidentify_file  # the detectors load their lexicons: only when used
    from core.report import residual_sentence
    from core.secrets import deid_secret

    require_parent_dir(out, report)
    secret = deid_secret(location) if chosen == "surrogate" else None
    result = deidentify_file(input_path, out, config, strategy=chosen, secret=secret, workers=workers,
                             skip_bad=skip_bad, audit_root=location.path if location.initialized else None)
    summary = result.to_json()
    if as_json:
        emit_json("deid", {"input": str(input_path), "out": str(out), "report": str(report) if report else None,
                           **summary})
    if result.fhir is not None:
        say(f"De-identified {result.records} FHIR resources, {result.fhir['notes']} notes ({chosen}) -> {out}")
        if result.fhir["attachments_skipped"]:
            warn(f"{result.fhir['attachments_skipped']} non-text attachment(s) (PDF, images) cannot be "
                 "de-identified: their data was left out of the output")
    else:
        say(f"De-identified {result.records} records ({chosen}) -> {out}")
    say("PHI found: " + (", ".join(f"{k} {v}" for k, v in summary["phi_found"].items()) or "none"))
    say(residual_sentence({"residual": summary["residual_total"], "residual_records": summary["residual_records"],
                           "allow_list_pass": summary["allow_list_pass"]}))
    if summary["residual_total"]:
        say("  by category: " + ", ".join(f"{k} {v}" for k, v in summary["residual"].items()))
        warn("words no allow-list knows are left in the output: review the records named above")
    for problem in result.problems:
        warn(f"skipped: {problem}")
    if report is not None:
        with atomic_writer(report, private=True) as handle:
            handle.write(json.dumps(summary, indent=2) + "\n")
        say(f"Report: {report}")


@app.command("deid-eval")
def deid_eval_command(
    input_path: Annotated[Path, typer.Option("--input", help="Raw records (e.g. from medsum synth).")],
    gold: Annotated[Path, typer.Option("--gold", help="Gold PHI spans (JSON Lines).")],
    report: Annotated[Path | None, typer.Option("--report", help="Write the scores as JSON.")] = None,
    as_json: JsonOption = False,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes.")] = 1,
    workspace: WorkspaceOption = None,
) -> None:
    """Score de-identification against gold spans: token and entity recall, precision, F1 per category."""
    from core.deid_eval import evaluate_deid, format_table  # the detectors load their lexicons

    if as_json:
        set_quiet(True)
    location, loaded = settings_for_command(workspace)
    require_parent_dir(report)
    scores = evaluate_deid(input_path, gold, loaded.config, workers=workers)
    if location.initialized:  # on record for the compliance report (scores and hashes, no text)
        from core.deid_eval import record_evaluation

        recorded = record_evaluation(location.path, scores, gold, loaded.config)
        say(f"Recorded in the workspace: deid-evals/{recorded.name} (audit entry deid.eval)")
    data = scores.to_json()
    if as_json:
        emit_json("deid-eval", data)
    else:
        emit(format_table(scores))
    if report is not None:
        with atomic_writer(report, private=True) as handle:
            handle.write(json.dumps(data, indent=2) + "\n")
