"""Which datasets and models in the store are recorded, and so may be used.

A dataset is recorded by its privacy ledger row (same name, same fingerprint as its
``dataset.json``); a model by the keyed MAC of its manifest (:mod:`core.models.signing`), which
an import writes only once the audit log has its entry. Neither is recorded while an intent of
its import is pending (:mod:`core.intents`). An item that is not recorded (copied in by hand,
changed, or left by an import that was killed and is not reconciled yet) is not listed, using it
is refused with a one-line error naming it, and ``medsum doctor`` reports it with the fix.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from pathlib import Path

from core.errors import MedsumError
from core.intents import KINDS, pending_names

__all__ = ["Unrecorded", "model_states", "recorded_datasets", "unrecorded_items", "why_unusable"]


@dataclass(frozen=True)
class Unrecorded:
    """An item in the store that is not recorded: ``kind`` "dataset" or "model", its name and
    directory, and ``why`` (one line with the fix)."""

    kind: str
    name: str
    path: Path
    why: str


def why_unusable(kind: str, name: str, root: Path) -> str:
    """The one-line refusal for ``kind`` ``name``, in the store but not recorded."""
    label = f"dataset {name!r}" if kind == "dataset" else f"{kind} {name}"
    if name in pending_names(root, kind):
        return (f"{label}: its import was interrupted and is not recorded yet, so it cannot be used: "
                "run medsum doctor to record it")
    return (f"{label} is in {KINDS[kind].store}/ but not recorded in the privacy ledger (copied in by hand, "
            "changed, or its import was cut off), so it cannot be used: run medsum doctor for the fix")


def recorded_datasets(root: Path) -> dict[str, str]:
    """The recorded datasets of the workspace at ``root``: name to fingerprint, from the privacy
    ledger, without those whose import has a pending intent."""
    from core.ledger import ledger_path, open_ledger

    if not ledger_path(root).exists():
        return {}
    pending = pending_names(root, "dataset")
    return {d.name: d.fingerprint for d in open_ledger(root).datasets() if d.name not in pending}


def model_states(root: Path, names: list[str]) -> dict[str, str]:
    """What the manifest MAC says of each stored model in ``names``
    (:class:`core.models.signing.ManifestState` values; "pending" while its import has an
    intent). The audit key is read once, and never created; no usable secret store gives
    "no key" for every model."""
    from core.models.manifest import MANIFEST
    from core.models.signing import MAC_FILE, ManifestState, manifest_mac
    from core.secrets import existing_audit_key

    store = Path(root) / KINDS["model"].store
    pending = pending_names(root, "model")
    try:
        key = existing_audit_key(root) if names else None
    except MedsumError:
        key = None
    states: dict[str, str] = {}
    for name in names:
        try:
            stored = (store / name / MAC_FILE).read_text(encoding="ascii").strip()
            manifest = (store / name / MANIFEST).read_bytes()
        except FileNotFoundError:
            state = ManifestState.UNSIGNED
        except (OSError, UnicodeDecodeError):
            state = ManifestState.MISMATCH
        else:
            state = ManifestState.NO_KEY if key is None else ManifestState.SIGNED \
                if hmac.compare_digest(stored, manifest_mac(key, name, manifest)) else ManifestState.MISMATCH
        states[name] = "pending" if name in pending else state.value
    return states


def _stored(root: Path, kind: str) -> list[str]:
    store = Path(root) / KINDS[kind].store
    try:
        return sorted(p.name for p in store.iterdir()
                      if not p.name.startswith(".") and p.is_dir() and (p / KINDS[kind].identity).is_file())
    except OSError:
        return []


def unrecorded_items(root: Path) -> list[Unrecorded]:
    """Every dataset and model in the store that is not recorded, pending intents aside (those
    are :func:`core.intents.reconcile_intents`'s to report)."""
    from core.datasets.entry import DatasetError, read_entry
    from core.models.signing import ManifestState, problem_text

    found: list[Unrecorded] = []
    store = Path(root) / KINDS["dataset"].store
    datasets = _stored(root, "dataset")
    fingerprints = recorded_datasets(root) if datasets else {}
    pending = pending_names(root, "dataset")
    for name in datasets:
        try:
            fingerprint = read_entry(store / name).fingerprint
        except DatasetError:
            continue  # unreadable: the registry logs it, and it is not listed either way
        if name not in pending and fingerprints.get(name) != fingerprint:
            found.append(Unrecorded("dataset", name, store / name, why_unusable("dataset", name, root)))
    models = _stored(root, "model")
    for name, state in model_states(root, models).items():
        if state not in ("pending", ManifestState.SIGNED.value):
            found.append(Unrecorded("model", name, Path(root) / KINDS["model"].store / name,
                                    problem_text(name, ManifestState(state))))
    return found
