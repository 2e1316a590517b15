"""``medsum models ...``: import, verify, list and build tiny models in the workspace store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from core.errors import MedsumError
from core.units import format_count, format_size
from medsum_tui.cli._json import emit_json
from medsum_tui.cli._runtime import (
    JsonOption,
    WorkspaceOption,
    emit,
    open_initialized,
    print_table,
    say,
    set_quiet,
    warn_unrecorded,
)
from medsum_tui.cli.app import app

if TYPE_CHECKING:
    from core.models import ModelEntry

__all__ = [
    "describe_model",
    "import_command",
    "init_tiny_command",
    "list_command",
    "models_app",
    "sign_command",
    "verify_command",
]

models_app = typer.Typer(help="The workspace's model store.", no_args_is_help=True,
                         context_settings={"help_option_names": ["-h", "--help"]})
app.add_typer(models_app, name="models")


def describe_model(entry: ModelEntry) -> str:
    """One line on a stored model: name, architecture, parameters, size, pickle flag."""
    return (f"{entry.name}: {entry.architecture}, {format_count(entry.parameters)} parameters, "
            f"{format_size(entry.size_bytes)}" + (", pickle weights allowed" if entry.allow_pickle else ""))


@models_app.command("import")
def import_command(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="A local checkpoint directory (config, tokenizer, weights).")],
    name: Annotated[str, typer.Option("--name", help="Name in the store: letters, digits, '-', '_', '.'.")],
    allow_pickle: Annotated[bool, typer.Option(
        "--allow-pickle", help="Accept pytorch_model*.bin pickle weights (they can run code): only for checkpoints you trust.",
    )] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Import a seq2seq BART or T5 family checkpoint from a local directory, with a SHA-256 manifest."""
    from core.models import import_model

    opened = open_initialized(workspace)
    entry = import_model(opened.root, directory, name, allow_pickle=allow_pickle)
    say(f"Imported {describe_model(entry)}")
    say(f"Stored in {entry.path}")


@models_app.command("verify")
def verify_command(
    name: Annotated[str, typer.Argument(metavar="NAME", help="A stored model.")],
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Check a stored model's manifest MAC and re-hash its files; exit 1 when anything is wrong."""
    from core.models import ModelError
    from core.models.store import manifest_problem, verify_details

    if as_json:
        set_quiet(True)
    opened = open_initialized(workspace)
    problems = verify_details(opened.root, name)
    refused = manifest_problem(name, problems) if problems else None
    if as_json:
        emit_json("models.verify", {"name": name, "ok": not problems, "manifest_problem": refused,
                                    "problems": [{"file": rel, "status": status} for rel, status in problems]})
    if not problems:
        say(f"{name}: OK")
        return
    if refused is not None:
        raise ModelError(refused)
    if not as_json:
        for rel, status in problems:
            emit(f"{name}: {status}: {rel}")
    raise ModelError(f"model {name} does not match its manifest: {len(problems)} file(s) changed, missing or extra")


@models_app.command("sign")
def sign_command(
    name: Annotated[str, typer.Argument(metavar="NAME", help="A stored model imported before manifests were keyed.")],
    workspace: WorkspaceOption = None,
) -> None:
    """Key the manifest of a model stored before manifests were keyed (only if the audit log's import record and its files match)."""
    from core.models.store import sign_model

    opened = open_initialized(workspace)
    sign_model(opened.root, name)
    say(f"{name}: manifest signed")


@models_app.command("list")
def list_command(as_json: JsonOption = False, workspace: WorkspaceOption = None) -> None:
    """List stored models: name, architecture, parameters, size, source, pickle flag."""
    from core.models import list_models

    if as_json:
        set_quiet(True)
    opened = open_initialized(workspace)
    entries = list_models(opened.root)
    warn_unrecorded(opened.root, "model")
    if as_json:
        emit_json("models.list", {"models": [{**e.to_json(), "path": str(e.path)} for e in entries]})
        return
    if not entries:
        say("No models in the store: use medsum models import DIR --name N, or medsum models init-tiny")
        return
    rows = [("name", "architecture", "params", "size", "source", "pickle")]
    rows += [(e.name, e.architecture, format_count(e.parameters), format_size(e.size_bytes), e.source,
              "yes" if e.allow_pickle else "no") for e in entries]
    print_table(rows)


@models_app.command("init-tiny")
def init_tiny_command(
    arch: Annotated[str, typer.Option("--arch", help="bart or t5.")],
    name: Annotated[str, typer.Option("--name", help="Name in the store.")],
    from_data: Annotated[str | None, typer.Option(
        "--from-data", metavar="DATASET", help="Train the tokenizer on this stored dataset's train split (default: synthetic records).",
    )] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed for the weights and the synthetic text.")] = 0,
    workspace: WorkspaceOption = None,
) -> None:
    """Build a tiny random-init BART or T5 model with a locally trained tokenizer (demos, tests)."""
    from core.models import init_tiny

    if arch not in ("bart", "t5"):
        raise MedsumError(f"--arch {arch!r}: use bart or t5", exit_code=2)
    opened = open_initialized(workspace)
    texts = _dataset_texts(opened.root, from_data) if from_data is not None else None
    entry = init_tiny(opened.root, arch, name, texts, seed=seed)
    say(f"Built {describe_model(entry)}")
    say(f"Tokenizer trained on {'dataset ' + from_data if from_data else 'synthetic records'}; stored in {entry.path}")


def _dataset_texts(root: Path, dataset: str) -> list[str]:
    """Source and target texts of a stored dataset's train split (from the datasets feature)."""
    try:
        from core.datasets import load_splits
    except ImportError:
        raise MedsumError("--from-data: this build has no dataset store yet") from None
    splits = load_splits(root, dataset)
    if "train" not in splits:
        raise MedsumError(f"dataset {dataset} has no train split")
    train = splits["train"]
    return [t for column in ("source", "target") for t in train[column] if isinstance(t, str)]
