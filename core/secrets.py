"""The workspace's view of MedSum's secrets: where the encrypted fallback file lives, and
user-facing errors when no secret store can be used."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Literal, overload

from core.errors import MedsumError
from core.workspace import WorkspaceLocation
from core.key_record import mismatch, record_key_id, refusal
from privacy.secrets import (
    AUDIT_KEY,
    DEID_SECRET,
    KEYRING_ENV,
    PASSPHRASE_ENV,
    BackendStatus,
    SecretsError,
    SecretStore,
    describe_backend,
    open_secret_store,
)

__all__ = ["SecretStoreError", "audit_key", "deid_secret", "existing_audit_key", "fallback_file", "open_store",
           "secrets_status", "uses_file_store", "workspace_secret"]


class SecretStoreError(MedsumError):
    """No usable secret store (the message says why and how to fix it)."""


def fallback_file(location: WorkspaceLocation) -> Path:
    """The encrypted keyring file used when ``MEDSUM_KEYRING=cryptfile``."""
    return _fallback(location.path)


def _fallback(root: Path) -> Path:
    return Path(root) / "secrets" / "keyring.cfg"


def deid_secret(location: WorkspaceLocation) -> bytes:
    """The surrogate and date-shift secret, created in the secret store on first use (never
    again once the workspace has used one: see :func:`workspace_secret`)."""
    return workspace_secret(location.path, DEID_SECRET)


def secrets_status(location: WorkspaceLocation) -> BackendStatus:
    """Which secret store would be used and whether it works (for ``medsum doctor``)."""
    return describe_backend(fallback_file=fallback_file(location))


def audit_key(root: Path) -> bytes:
    """The audit log's key for the workspace at ``root``, created in the secret store on first
    use (never again once the workspace has used one: see :func:`workspace_secret`)."""
    return workspace_secret(root, AUDIT_KEY)


def existing_audit_key(root: Path) -> bytes | None:
    """The audit log's key, or None when it was never created (verification never creates it).

    :class:`SecretStoreError` when the store holds a different key than the workspace's."""
    return workspace_secret(root, AUDIT_KEY, create=False)


def open_store(root: Path) -> SecretStore:
    """The secret store of the workspace at ``root`` (opened, and unlocked for the file store)."""
    try:
        return open_secret_store(fallback_file=_fallback(root))
    except SecretsError as exc:
        raise SecretStoreError(str(exc)) from None


@overload
def workspace_secret(root: Path, name: str, *, create: Literal[True] = ..., store: SecretStore | None = ...) -> bytes: ...
@overload
def workspace_secret(root: Path, name: str, *, create: bool, store: SecretStore | None = ...) -> bytes | None: ...
def workspace_secret(root: Path, name: str, *, create: bool = True, store: SecretStore | None = None) -> bytes | None:
    """Secret ``name`` of the workspace at ``root``, checked against the key id the workspace
    recorded (``secrets/keys.json``, see :mod:`core.key_record`).

    It is created only for a workspace that never used one: when the store lost it (the
    workspace recorded its key id, or holds an audit log, datasets or runs), or holds another
    one, this raises :class:`SecretStoreError` saying to restore the store, and makes no key.
    ``create`` False returns None instead of creating (nothing is refused then)."""
    memo = _memo_key(root, name) if store is None else None
    if memo is not None and memo in _MEMO:
        value = _MEMO[memo]
        wrong = mismatch(root, name, value)
        if wrong:
            raise SecretStoreError(f"the encrypted keyring file holds another {_WHAT[name]} than this workspace's: "
                                   f"{wrong}; fix: restore the secret store ({_fallback(root)}) this workspace was "
                                   "made with")
        return value
    try:
        store = store or open_secret_store(fallback_file=_fallback(root))
        value = store.get(name)
        if value is None:
            if not create:
                return None
            why = refusal(root, name, audit_key=name == AUDIT_KEY)
            if why:
                raise SecretStoreError(
                    f"the secret store ({store.backend_name}) has no {_WHAT[name]}, but {why}; MedSum makes no new "
                    f"key for it; fix: restore the secret store ({_where(root, store)}) from its backup")
            value = store.get_or_create(name)
    except SecretsError as exc:
        raise SecretStoreError(str(exc)) from None
    wrong = mismatch(root, name, value)
    if wrong:
        raise SecretStoreError(
            f"the secret store ({store.backend_name}) holds another {_WHAT[name]} than this workspace's: {wrong}; "
            f"fix: restore the secret store ({_where(root, store)}) this workspace was made with")
    if store.kind == "cryptfile" and memo is None:
        memo = _memo_key(root, name)
    if memo is not None:
        _MEMO[memo] = value
    try:
        record_key_id(root, name, value)
    except OSError as exc:
        raise SecretStoreError(f"cannot record the key id in {root / 'secrets'}: {exc.strerror or exc}") from None
    return value


_WHAT = {AUDIT_KEY: "audit key", DEID_SECRET: "de-identification secret"}

# Secrets read from the encrypted keyring file, kept for this process: each read of the file
# costs an Argon2 derivation (about half a second), and one command asks several times. An
# entry is only used while the file, the passphrase and the store choice are the same.
_MEMO: dict[tuple[str, ...], bytes] = {}


def uses_file_store() -> bool:
    """Whether the environment chooses the encrypted-file store (``MEDSUM_KEYRING=cryptfile``)."""
    return os.environ.get(KEYRING_ENV, "").strip().lower() == "cryptfile"


def _memo_key(root: Path, name: str) -> tuple[str, ...] | None:
    """What a memoized secret of the encrypted file is valid for, or None (no file store in use)."""
    passphrase = os.environ.get(PASSPHRASE_ENV)
    if not uses_file_store() or passphrase is None:
        return None
    path = _fallback(root)
    try:
        info = path.stat()
    except OSError:
        return None
    digest = hashlib.sha256(passphrase.encode("utf-8", "surrogatepass")).hexdigest()
    return (str(path.resolve()), name, str(info.st_ino), str(info.st_size), str(info.st_mtime_ns), digest)


def _where(root: Path, store: SecretStore) -> str:
    if store.file_path is not None:
        return str(store.file_path)
    return "the OS keyring's service 'medsum'"
