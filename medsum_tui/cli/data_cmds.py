"""``medsum data ...``: check record files (import comes with the datasets feature)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from core.records import load_records, split_by_patient, split_sizes, write_problem_report
from core.records.pairing import read_summaries
from medsum_tui.cli._fhir import FhirLevelOption, FhirMaxTokensOption, StrictOption, with_fhir
from medsum_tui.cli._json import emit_json
from medsum_tui.cli._runtime import JsonOption, WorkspaceOption, emit, say, set_quiet, settings_for_command, warn
from medsum_tui.cli.app import data_app

__all__ = ["check_command"]


@data_app.command("check")
def check_command(
    input_path: Annotated[Path, typer.Argument(metavar="INPUT", help="A JSON array, JSON Lines file, a directory of .json files, FHIR R4 Bundles or bulk-export NDJSON.")],
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Succeed when some records are valid; list the bad ones.")] = False,
    report: Annotated[Path | None, typer.Option("--report", help="Also write the problems to this JSON file.")] = None,
    summaries: Annotated[Path | None, typer.Option(
        "--summaries", help="Reference summaries by record id, as `medsum data import --summaries` takes them.")] = None,
    fhir_level: FhirLevelOption = None,
    fhir_max_tokens: FhirMaxTokensOption = None,
    strict: StrictOption = False,
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Validate records without importing anything: counts, split sizes and every problem.

    Exits 1 when a record is bad (or, with --skip-bad, when no record is good).
    """
    if as_json:
        set_quiet(True)
    _, loaded = settings_for_command(workspace)
    config = with_fhir(loaded.config, fhir_level, fhir_max_tokens, strict)
    paired = read_summaries(summaries, config.records.id_field, config.records.target_field) if summaries else None
    result = load_records(input_path, config, summaries=paired)
    if result.fhir is not None and paired is None:  # FHIR brings no summaries: check the records alone
        result = load_records(input_path, config, require_target=False)
    sizes = split_sizes(split_by_patient(result.records, config.split))
    if as_json:
        emit_json("data.check", {
            "files": len(result.files), "records_seen": result.records_seen, "records_ok": len(result.records),
            "problem_count": len(result.problems), "patients": result.patient_count,
            "records_without_patient": result.records_without_patient,
            "splits": {name: {"records": s.records, "patients": s.patients} for name, s in sizes.items()},
            "fhir": result.fhir.to_json() if result.fhir is not None else None,
            "problems": [p.to_json() for p in result.problems],
            "ok": bool(result.records) and (skip_bad or not result.problems)})
    say(f"Files: {len(result.files)}")
    if result.fhir is not None:
        say(result.fhir.describe())
    say(f"Records: {result.records_seen} read, {len(result.records)} valid, {len(result.problems)} problem(s)")
    say(f"Patients: {result.patient_count}")
    if result.records_without_patient:
        fields = ", ".join("+".join(group) for group in config.records.patient_keys)
        warn(f"{result.records_without_patient} record(s) have no patient field ({fields}); "
             "each is treated as its own patient in the split")
    say("Split by patient: " + ", ".join(f"{name} {s.records} records / {s.patients} patients" for name, s in sizes.items()))
    if result.problems and not as_json:
        emit("Problems:")  # what the check found: the result, kept under --quiet
        for problem in result.problems:
            emit(f"  {problem}")
    if report is not None:
        write_problem_report(report, result.problems, records_ok=len(result.records), records_seen=result.records_seen)
        say(f"Problem report: {report}")
    if not result.records:
        warn("no valid records")
        raise typer.Exit(1)
    if result.problems and not skip_bad:
        warn(f"{len(result.problems)} problem(s); fix them, or pass --skip-bad to use only the valid records")
        raise typer.Exit(1)
