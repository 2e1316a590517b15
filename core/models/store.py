"""The workspace model store: ``ROOT/models/NAME/`` holds a checkpoint and its manifest.

Imports copy into a hidden temporary directory inside ``models/`` and rename it into place
only once the files are hashed and the model has loaded, so a failed import leaves nothing.
An import is recorded in the audit log, then its manifest is keyed (:mod:`core.models.signing`),
with an intent written before the rename (:mod:`core.intents`) so that a kill right after it is
reconciled; a model that is not recorded so is neither listed nor loaded (:mod:`core.recorded`).
Loading always checks the manifest's keyed MAC, then verifies the files against the manifest,
and refuses an edited manifest or a changed file.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.audit import Auditor
from core.errors import one_line
from core.hashing import sha256_file
from core.intents import new_intent, pending_names, record, recording
from core.models.arch import inspect_config
from core.models.checkpoint import select_files
from core.models.entry import ModelEntry, ModelError, check_name
from core.models.loading import count_parameters, load_model_dir, load_tokenizer_dir
from core.models.manifest import (
    MANIFEST,
    FileRecord,
    check_files,
    copy_hashed,
    read_manifest,
    write_manifest,
)
from core.models.signing import ManifestState, manifest_state, problem_text, sign_manifest
from core.recorded import model_states, why_unusable

__all__ = [
    "get_model",
    "import_model",
    "list_models",
    "load_model",
    "load_tokenizer",
    "models_dir",
    "sign_model",
    "temp_dir",
    "verify_details",
    "verify_model",
]


def models_dir(root: Path, *, create: bool = False) -> Path:
    """The store directory ``root/models``; with ``create``, made (mode 0700) if missing."""
    path = Path(root) / "models"
    if create and not path.is_dir():
        if not Path(root).is_dir():
            raise ModelError(f"workspace {root} does not exist: run medsum init")
        path.mkdir(mode=0o700, exist_ok=True)
    return path


def temp_dir(root: Path, purpose: str) -> Path:
    """A new hidden directory inside the store (same filesystem, so it renames into place), named
    ``.PURPOSE.PID.HEX.tmp`` so that one a killed process left is a leftover (:mod:`core.atomic`)."""
    path = models_dir(root, create=True) / f".{purpose}.{os.getpid()}.{uuid.uuid4().hex}.tmp"
    path.mkdir(mode=0o700)
    return path


def import_model(root: Path, src: Path, name: str, *, allow_pickle: bool = False,
                 source: str | None = None, on_progress: Callable[[str, int, int], None] | None = None) -> ModelEntry:
    """Copy the checkpoint directory ``src`` into the store as ``name`` and return its entry.

    Checks it is a seq2seq BART/T5 checkpoint with tokenizer and safetensors weights (pickle
    ``.bin`` weights only with ``allow_pickle``, which the entry records), copies and hashes its
    files, loads it once to prove it works, writes ``manifest.json``, then renames it into place.
    Refuses an existing name; on any failure before the rename nothing is left in the store. The
    import is recorded in the audit log (name, manifest SHA-256), then the manifest gets its keyed
    MAC (``manifest.mac``, see :mod:`core.models.signing`): only then is the model usable.
    ``on_progress(stage, done, total)`` hears each stage and each file copied and hashed (the
    TUI's progress bar).
    """
    progress = on_progress or (lambda stage, done, total: None)
    check_name(name)
    src = Path(src)
    if not src.is_dir():
        raise ModelError(f"{src}: not a directory (import a checkpoint directory)")
    final = models_dir(root, create=True) / name
    if final.exists():
        raise ModelError(f"model {name} already exists in the store: choose another --name")
    auditor = Auditor(root)  # before the work, so a missing secret store fails fast
    model_type, info = inspect_config(src / "config.json")
    selection = select_files(src, allow_pickle)
    tmp = temp_dir(root, f"import-{name}")
    try:
        files: dict[str, FileRecord] = {}
        for done, rel in enumerate(selection.files):
            progress(f"copying and hashing {rel}", done, len(selection.files))
            try:
                files[rel] = copy_hashed(src / rel, tmp / rel)
            except OSError as exc:
                raise ModelError(f"{src / rel}: cannot copy ({exc.strerror or exc.__class__.__name__})") from None
        progress("loading it once to prove it works", len(selection.files), len(selection.files))
        try:
            load_tokenizer_dir(tmp)
            model = load_model_dir(tmp, info.architecture, selection.pickle_weights)
        except Exception as exc:  # noqa: BLE001  (any load failure means the checkpoint is unusable)
            raise ModelError(f"{src}: does not load as {info.architecture}: {one_line(exc)}") from None
        parameters = count_parameters(model)
        del model
        entry = ModelEntry(
            name=name, family=info.family, model_type=model_type, architecture=info.architecture,
            parameters=parameters, size_bytes=sum(f["size"] for f in files.values()),
            source=source if source is not None else f"import:{src.resolve().name}",
            allow_pickle=selection.pickle_weights,
            imported_at=datetime.now(UTC).isoformat(timespec="seconds"), path=final,
        )
        progress("writing the manifest", len(selection.files), len(selection.files))
        write_manifest(tmp, entry, files)
        manifest = _manifest_sha256(tmp)
        intent = new_intent(root, "model", name, tmp, ledger={}, audit={
            "model": name, "manifest_sha256": manifest, "architecture": entry.architecture, "parameters": parameters,
            "files": len(files), "origin": "init-tiny" if entry.source == "init-tiny" else "import",
            "allow_pickle": entry.allow_pickle})
        with recording(root, intent):  # the audit entry, then the manifest's MAC (see core.intents)
            if final.exists():
                raise ModelError(f"model {name} already exists in the store: choose another --name")
            os.rename(tmp, final)
            record(root, intent, auditor)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # nothing left to remove once renamed
        raise
    return entry


def _manifest_sha256(path: Path) -> str:
    return sha256_file(path / MANIFEST)[0]


def _model_path(root: Path, name: str) -> Path:
    check_name(name)
    path = models_dir(root) / name
    if not path.is_dir():
        raise ModelError(f"no model named {name} in the store (see medsum models list)")
    return path


def get_model(root: Path, name: str) -> ModelEntry:
    """The stored model ``name``; ModelError naming it when it is not in the store, or is not
    recorded (see :mod:`core.recorded`)."""
    entry = read_manifest(_model_path(root, name))[0]
    _refuse_unrecorded(root, name)
    return entry


def _refuse_unrecorded(root: Path, name: str) -> None:
    """ModelError when model ``name``'s import has a pending intent or its manifest MAC does not check."""
    if name in pending_names(root, "model"):
        raise ModelError(why_unusable("model", name, root))
    state = manifest_state(root, models_dir(root) / name, name)
    if state is not ManifestState.SIGNED:
        raise ModelError(problem_text(name, state))


def verify_details(root: Path, name: str) -> list[tuple[str, str]]:
    """Check model ``name``'s manifest MAC, then re-hash its files; ``(file, status)`` per problem,
    ``[]`` when intact. A manifest that is unsigned or does not match its MAC gives the single
    problem ``("manifest.json", ManifestState.value)`` (its hashes cannot be trusted, so no file
    is checked against them); otherwise ``(file, "changed"|"missing"|"extra")`` per mismatch.
    The check and its result are recorded in the audit log."""
    path = _model_path(root, name)
    auditor = Auditor(root)
    _, files = read_manifest(path)
    state = manifest_state(root, path, name)
    problems = check_files(path, files) if state is ManifestState.SIGNED else [(MANIFEST, state.value)]
    auditor.event("models.verify", model=name, manifest_sha256=_manifest_sha256(path), ok=not problems,
                  mismatches=len(problems), manifest=state.value)
    return problems


def manifest_problem(name: str, problems: list[tuple[str, str]]) -> str | None:
    """The one-line refusal when :func:`verify_details` found the manifest itself untrusted, else None."""
    states = {s.value: s for s in ManifestState if s is not ManifestState.SIGNED}
    if len(problems) == 1 and problems[0][0] == MANIFEST and problems[0][1] in states:
        return problem_text(name, states[problems[0][1]])
    return None


def sign_model(root: Path, name: str) -> ModelEntry:
    """Sign the manifest of model ``name``, stored before manifests were keyed.

    Only an unsigned model is signed, and only when the audit log verifies, its last
    ``models.import`` entry for ``name`` recorded exactly this manifest's SHA-256, and every
    file matches the manifest; anything else is refused (re-import from the original source).
    """
    from core.audit import audit_path, verify_audit

    path = _model_path(root, name)
    auditor = Auditor(root)
    entry, files = read_manifest(path)
    state = manifest_state(root, path, name)
    if state is ManifestState.SIGNED:
        raise ModelError(f"model {name}: already signed and its manifest matches; nothing to do")
    if state is not ManifestState.UNSIGNED:
        raise ModelError(problem_text(name, state))
    refuse = "re-import it from the original source instead of signing it"
    if not verify_audit(root).ok:
        raise ModelError(f"model {name}: the audit log does not verify, so its import record cannot be trusted; {refuse}")
    recorded = None
    log = audit_path(root)
    for line in (log.read_text(encoding="utf-8").splitlines() if log.is_file() else []):
        record = json.loads(line)
        fields = record.get("fields") or {}
        if record.get("op") == "models.import" and fields.get("model") == name:
            recorded = fields.get("manifest_sha256")
    if recorded is None:
        raise ModelError(f"model {name}: the audit log has no import record for it; {refuse}")
    if recorded != _manifest_sha256(path):
        raise ModelError(f"model {name}: manifest.json is not the one recorded when it was imported; {refuse}")
    problems = check_files(path, files)
    if problems:
        listed = ", ".join(f"{rel} ({status})" for rel, status in problems)
        raise ModelError(f"model {name} does not match its manifest: {listed}; {refuse}")
    sign_manifest(root, path, name)
    auditor.event("models.sign", model=name, manifest_sha256=_manifest_sha256(path))
    return entry


def verify_model(root: Path, name: str) -> list[str]:
    """Re-hash model ``name``; the relative names of changed, missing or extra files (``[]``: intact)."""
    return [rel for rel, _ in verify_details(root, name)]


def list_models(root: Path) -> list[ModelEntry]:
    """Every usable stored model, by name: directories without a manifest (temporaries, say) are
    skipped, and so are models that are not recorded (see :mod:`core.recorded`): an unsigned or
    mismatched manifest, or an import with a pending intent."""
    store = models_dir(root)
    if not store.is_dir():
        return []
    names = [p.name for p in sorted(store.iterdir())
             if p.is_dir() and not p.name.startswith(".") and (p / MANIFEST).exists()]
    states = model_states(root, names)
    return [read_manifest(store / name)[0] for name in names if states[name] == ManifestState.SIGNED.value]


def _verified(root: Path, name: str) -> ModelEntry:
    path = _model_path(root, name)
    entry, files = read_manifest(path)
    _refuse_unrecorded(root, name)
    problems = check_files(path, files)
    if problems:
        listed = ", ".join(f"{rel} ({status})" for rel, status in problems)
        raise ModelError(f"model {name} does not match its manifest: {listed}; refusing to load it")
    return entry


def load_tokenizer(root: Path, name: str) -> Any:
    """The tokenizer of stored model ``name``, after verifying the model's manifest."""
    entry = _verified(root, name)
    try:
        return load_tokenizer_dir(entry.path)
    except Exception as exc:  # noqa: BLE001
        raise ModelError(f"model {name}: tokenizer does not load: {one_line(exc)}") from None


def load_model(root: Path, name: str) -> tuple[Any, Any, ModelEntry]:
    """``(model, tokenizer, entry)`` for stored model ``name``, after verifying its manifest.

    The model is float32 in eval mode, loaded from local files only, from safetensors unless
    the entry accepted pickle weights.
    """
    entry = _verified(root, name)
    try:
        tokenizer = load_tokenizer_dir(entry.path)
        model = load_model_dir(entry.path, entry.architecture, entry.allow_pickle)
    except Exception as exc:  # noqa: BLE001
        raise ModelError(f"model {name}: does not load: {one_line(exc)}") from None
    return model, tokenizer, entry
