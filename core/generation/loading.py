"""Build a :class:`Summarizer` from a stored model or from a finished training run.

A LoRA run (``runs/RUN/adapter/``) loads its base model from the store (manifest verified),
applies the adapter with ``peft`` from the local directory and merges it for speed; a
``--full`` run (``runs/RUN/model/``) loads its own weights and tokenizer, from safetensors
only. Nothing is fetched from a hub and no remote code runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.errors import one_line
from core.generation.settings import GenerationError
from core.generation.summarizer import Summarizer

__all__ = ["load_summarizer"]


def _directory_sha256(path: Path) -> str:
    """One SHA-256 over every file of a directory (by content, see :func:`core.hashing.sha256_files`)."""
    from core.hashing import sha256_files

    return sha256_files(sorted(p for p in path.rglob("*") if p.is_file()))


def _manifest_sha256(entry: Any) -> str:
    from core.hashing import sha256_file
    from core.models.manifest import MANIFEST

    return sha256_file(entry.path / MANIFEST)[0]


def _from_model(root: Path, name: str, device: str) -> Summarizer:
    from core.models import load_model

    model, tokenizer, entry = load_model(root, name)
    source = {"model": entry.name, "architecture": entry.architecture, "model_manifest_sha256": _manifest_sha256(entry),
              "method": "base", "run_id": None, "adapter": None, "adapter_sha256": None}
    return Summarizer(model, tokenizer, source=source, device=device)


def _run_config(root: Path, run: str) -> dict[str, Any]:
    """The run's ``config.json``, after checking the run exists and has finished."""
    from core.train.run import run_dir
    from core.train.runs import RunsTable, RunStatus

    if not run or "/" in run or "\\" in run or run.startswith("."):
        raise GenerationError(f"run {run!r}: not a run id (see `medsum runs`)", exit_code=2)
    try:
        info = RunsTable(root).get(run)
    except KeyError:
        raise GenerationError(f"no run {run!r} in this workspace (see `medsum runs`)") from None
    if info.status != RunStatus.FINISHED:
        raise GenerationError(f"run {run} has not finished (status: {info.status.value}); "
                              "summarize with a finished run")
    path = run_dir(root, run) / "config.json"
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(saved["config"]["model"], str):
            raise TypeError("config.model")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise GenerationError(f"run {run}: {path} is unreadable ({type(exc).__name__})") from None
    return saved


def _stored_entry(root: Path, name: str) -> Any:
    """The store's entry for ``name`` (a full run's base model), or None when it is gone."""
    from core.models import ModelError, get_model

    try:
        return get_model(root, name)
    except ModelError:
        return None


def _from_run(root: Path, run: str, device: str) -> Summarizer:
    from core.models import load_model
    from core.models.loading import load_model_dir, load_tokenizer_dir, quiet_progress
    from core.train.run import run_dir

    saved = _run_config(root, run)
    base = str(saved["config"]["model"])
    directory = run_dir(root, run)
    adapter, weights = directory / "adapter", directory / "model"
    if (adapter / "adapter_config.json").is_file():
        from peft import PeftModel

        model, tokenizer, entry = load_model(root, base)
        try:
            with quiet_progress():
                model = PeftModel.from_pretrained(model, str(adapter), is_trainable=False).merge_and_unload()
        except Exception as exc:  # noqa: BLE001  (any failure means the adapter is unusable)
            raise GenerationError(f"run {run}: the adapter does not load onto model {base}: {one_line(exc)}") from None
        source: dict[str, Any] = {"model": entry.name, "architecture": entry.architecture,
                                  "model_manifest_sha256": _manifest_sha256(entry), "method": "lora", "run_id": run,
                                  "adapter": f"runs/{run}/adapter", "adapter_sha256": _directory_sha256(adapter)}
    elif (weights / "config.json").is_file():
        entry = _stored_entry(root, base)
        architecture = (saved.get("model") or {}).get("architecture") or (entry.architecture if entry else None)
        if not architecture:
            raise GenerationError(f"run {run}: config.json does not say the model's architecture")
        try:
            tokenizer = load_tokenizer_dir(weights)
            model = load_model_dir(weights, architecture, allow_pickle=False)
        except Exception as exc:  # noqa: BLE001
            raise GenerationError(f"run {run}: its weights do not load: {one_line(exc)}") from None
        source = {"model": base, "architecture": architecture,
                  "model_manifest_sha256": _manifest_sha256(entry) if entry else None, "method": "full",
                  "run_id": run, "adapter": None, "adapter_sha256": None, "weights": f"runs/{run}/model",
                  "weights_sha256": _directory_sha256(weights)}
    else:
        raise GenerationError(f"run {run} has not finished: it has no adapter/ or model/ directory")
    return Summarizer(model, tokenizer, source=source, device=device,
                      input_fields=_dataset_input_fields(root, saved["config"].get("dataset")))


def _dataset_input_fields(root: Path, dataset: Any) -> list[str] | None:
    """The input fields of the dataset a run trained on (None: the workspace default, or the
    dataset is gone), so a summary is generated from the same fields the model learned from."""
    from core.datasets import DatasetError, get_dataset

    if not isinstance(dataset, str):
        return None
    try:
        fields = get_dataset(root, dataset).input_fields
    except DatasetError:
        return None
    return list(fields) if fields is not None else None


def load_summarizer(root: Path, *, run: str | None = None, model: str | None = None,
                    device: str = "auto") -> Summarizer:
    """A :class:`Summarizer` for the finished training run ``run`` or the stored model ``model``
    (exactly one), on ``device`` (``auto``: CUDA with bf16 autocast when available, else CPU).

    Raises :class:`GenerationError` (or :class:`core.models.ModelError`) in one line naming the
    run or model when it is unknown, unfinished or does not load.
    """
    if (run is None) == (model is None):
        raise GenerationError("give exactly one of --run and --model", exit_code=2)
    root = Path(root)
    if model is not None:
        return _from_model(root, model, device)
    assert run is not None
    return _from_run(root, run, device)
