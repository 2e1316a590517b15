"""``medsum data import | list | show``: de-identified datasets in the workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from core.errors import MedsumError
from core.workspace import Workspace
from medsum_tui.cli._fhir import FhirLevelOption, FhirMaxTokensOption, StrictOption, fhir_overrides
from medsum_tui.cli._json import emit_json
from medsum_tui.cli._runtime import (
    JsonOption,
    WorkspaceOption,
    emit,
    open_initialized,
    print_table,
    say,
    set_quiet,
    warn,
    warn_unrecorded,
)
from medsum_tui.cli.app import data_app

__all__ = ["import_command", "list_command", "show_command"]

_SPLIT_LABELS = {"train": "train", "validation": "val", "test": "test"}



def _fields(values: list[str] | None) -> list[str] | None:
    """``--input-fields a,b --input-fields c`` -> ``["a", "b", "c"]``."""
    if values is None:
        return None
    return [part.strip() for value in values for part in value.split(",")]


@data_app.command("import")
def import_command(
    input_path: Annotated[Path, typer.Argument(metavar="INPUT", help="Records: JSON array, JSON Lines, a directory of .json files, FHIR R4 Bundles or NDJSON.")],
    name: Annotated[str, typer.Option("--name", help="Name of the new dataset (letters, digits, . _ -).")],
    input_fields: Annotated[list[str] | None, typer.Option(
        "--input-fields", help="Fields forming the model input, in order (comma-separated or repeated; "
                               "default: config records.input_fields).")] = None,
    target_field: Annotated[str | None, typer.Option("--target-field", help="Field holding the reference summary "
                                                                          "(default: config records.target_field).")] = None,
    strategy: Annotated[str | None, typer.Option("--strategy", help="surrogate or redact (default: config deid.strategy).")] = None,
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Import the valid records; skip the bad ones.")] = False,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes for de-identification.")] = 1,
    summaries: Annotated[Path | None, typer.Option(
        "--summaries", help="Reference summaries by record id (JSON Lines of {\"id\", \"summary\"}) for records "
                            "that carry none, such as FHIR input.")] = None,
    fhir_level: FhirLevelOption = None,
    fhir_max_tokens: FhirMaxTokensOption = None,
    strict: StrictOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """De-identify records and store them as a dataset, split 80/10/10 by patient.

    The raw input is never copied into the workspace. Exits 1 on bad records unless --skip-bad.
    """
    from core.datasets import import_dataset  # loads datasets and the detectors: only when used

    opened = open_initialized(workspace)
    entry = import_dataset(opened, input_path, name, input_fields=_fields(input_fields), target_field=target_field,
                           strategy=strategy, skip_bad=skip_bad, workers=workers, summaries=summaries,
                           fhir=fhir_overrides(fhir_level, fhir_max_tokens, strict), say=say)
    say(f"Imported dataset {entry.name!r}: {entry.records} records ({entry.strategy}) -> {entry.path}")
    say("Split by patient: " + _split_line(entry.splits, entry.patients))
    say(f"De-identification: {entry.phi_found} PHI found, {entry.residual} word(s) left that no allow-list knows "
        "(residual scan)")
    say(f"Fingerprint: sha256:{entry.fingerprint}")
    if entry.skipped:
        warn(f"skipped {entry.skipped} bad record(s); medsum data check INPUT lists them")
    if entry.residual:
        warn(f"the residual scan found {entry.residual} word(s) that no allow-list knows and nothing replaced: "
             "medsum budget --report lists the records")


def _entry_json(entry: Any) -> dict[str, Any]:
    """A dataset's entry for ``--json``: ``dataset.json``'s fields and the directory."""
    from core.datasets.entry import entry_json

    data = entry_json(entry)
    data.pop("format", None)
    return {**data, "path": str(entry.path)}


@data_app.command("list")
def list_command(as_json: JsonOption = False, workspace: WorkspaceOption = None) -> None:
    """List the workspace's datasets: records, split sizes, fingerprint and when each was made."""
    from core.datasets import list_datasets

    if as_json:
        set_quiet(True)
    opened = open_initialized(workspace)
    entries = list_datasets(opened.root)
    warn_unrecorded(opened.root, "dataset")
    if as_json:
        emit_json("data.list", {"datasets": [_entry_json(e) for e in entries]})
        return
    if not entries:
        say("No datasets. Import one with: medsum data import INPUT --name NAME")
        return
    rows = [("name", "records", "train/val/test", "fingerprint", "created")]
    rows += [(e.name, str(e.records), "/".join(str(e.splits.get(s, 0)) for s in _SPLIT_LABELS),
              e.fingerprint[:12], e.created_at) for e in entries]
    print_table(rows)


@data_app.command("show")
def show_command(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The dataset.")],
    model: Annotated[str | None, typer.Option("--model", help="A stored model whose tokenizer measures "
                                                              "lengths in tokens.")] = None,
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Show a dataset: counts per split, fields, de-identification totals and, with --model, token lengths."""
    from core.datasets import get_dataset, length_stats

    if as_json:
        set_quiet(True)
    opened = open_initialized(workspace)
    entry = get_dataset(opened.root, name)
    tokenizer = _tokenizer(opened, model) if model is not None else None
    stats = length_stats(opened.root, name, tokenizer) if tokenizer is not None else None
    if as_json:
        emit_json("data.show", {**_entry_json(entry), "length_model": model, "lengths": stats})
        return
    emit(f"Dataset: {entry.name}")
    emit(f"Created: {entry.created_at}")
    emit(f"Fingerprint: sha256:{entry.fingerprint}")
    emit(f"Records: {entry.records} ({entry.skipped} bad record(s) skipped at import)")
    for split in _SPLIT_LABELS:
        emit(f"  {split:<10} {entry.splits.get(split, 0):>7} records  {entry.patients.get(split, 0):>6} patients")
    emit("Input fields: " + (", ".join(entry.input_fields) if entry.input_fields is not None
                             else "every non-identifier field except the target"))
    emit(f"Target field: {entry.target_field}")
    emit(f"De-identification: {entry.strategy}, {entry.phi_found} PHI found, {entry.residual} word(s) left that no "
         "allow-list knows (residual scan)")
    if stats is None:
        return
    emit(f"Length in tokens ({model}): min / mean / median / p95 / max")
    for split, columns in stats.items():
        for column, values in columns.items():
            text = ("-" if not entry.splits.get(split) else
                    " / ".join(_number(values[k]) for k in ("min", "mean", "median", "p95", "max")))
            emit(f"  {split:<10} {column:<6} {text}")


def _tokenizer(opened: Workspace, model: str) -> Any:
    """The tokenizer of stored model ``model`` (imported here: it loads transformers)."""
    try:
        from core.models import load_tokenizer
    except ImportError:
        raise MedsumError("token lengths need the model store, which this installation lacks") from None
    return load_tokenizer(opened.root, model)


def _split_line(splits: dict[str, int], patients: dict[str, int]) -> str:
    return ", ".join(f"{s} {splits.get(s, 0)} records / {patients.get(s, 0)} patients" for s in _SPLIT_LABELS)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
