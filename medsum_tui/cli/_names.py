"""Names a command line gives (dataset, model, run), checked against the workspace before a
command imports torch, transformers, peft or opacus, so that a mistyped name is answered in a
fraction of a second. Only existence is checked here; the command's own code checks the rest
(recorded in the ledger, manifest keyed, run finished) when it loads the item."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

__all__ = ["require_known"]


def require_known(root: Path, *, datasets: Iterable[str | None] = (), models: Iterable[str | None] = (),
                  runs: Iterable[str | None] = ()) -> None:
    """Raise the one-line error of the first name (None skipped) that the workspace at
    ``root`` has no dataset, model or run by: exit 1 for an unknown name, 2 for a malformed one."""
    from core.datasets.entry import ENTRY_FILE, DatasetError, datasets_dir
    from core.datasets.entry import check_name as check_dataset_name
    from core.models.entry import ModelError
    from core.models.entry import check_name as check_model_name

    for name in filter(None, datasets):
        if not (datasets_dir(root) / check_dataset_name(name) / ENTRY_FILE).is_file():
            raise DatasetError(f"no dataset named {name!r} in this workspace (medsum data list shows them)")
    for name in filter(None, models):
        if not (Path(root) / "models" / check_model_name(name)).is_dir():
            raise ModelError(f"no model named {name} in the store (see medsum models list)")
    for run in filter(None, runs):
        _require_run(root, run)


def _require_run(root: Path, run: str) -> None:
    """The run-id checks of :mod:`core.generation.loading`, without loading generation code."""
    from core.errors import MedsumError
    from core.train.runs import RunsTable

    if "/" in run or "\\" in run or run.startswith("."):
        raise MedsumError(f"run {run!r}: not a run id (see `medsum runs`)", exit_code=2)
    if not (Path(root) / "runs" / "runs.sqlite").is_file():
        raise MedsumError(f"no run {run!r} in this workspace (see `medsum runs`)")
    try:
        RunsTable(root).get(run)
    except KeyError:
        raise MedsumError(f"no run {run!r} in this workspace (see `medsum runs`)") from None
