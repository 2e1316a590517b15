"""The workspace's view of MedSum's secrets: where the encrypted fallback file lives, and
user-facing errors when no secret store can be used."""

from __future__ import annotations

from pathlib import Path

from core.errors import MedsumError
from core.workspace import WorkspaceLocation
from privacy.secrets import (
    AUDIT_KEY,
    DEID_SECRET,
    BackendStatus,
    SecretsError,
    describe_backend,
    get_or_create_secret,
    get_secret,
)

__all__ = ["SecretStoreError", "audit_key", "deid_secret", "existing_audit_key", "fallback_file", "secrets_status"]


class SecretStoreError(MedsumError):
    """No usable secret store (the message says why and how to fix it)."""


def fallback_file(location: WorkspaceLocation) -> Path:
    """The encrypted keyring file used when ``MEDSUM_KEYRING=cryptfile``."""
    return _fallback(location.path)


def _fallback(root: Path) -> Path:
    return Path(root) / "secrets" / "keyring.cfg"


def deid_secret(location: WorkspaceLocation) -> bytes:
    """The surrogate and date-shift secret, created in the secret store on first use."""
    try:
        return get_or_create_secret(DEID_SECRET, fallback_file=fallback_file(location))
    except SecretsError as exc:
        raise SecretStoreError(str(exc)) from None


def secrets_status(location: WorkspaceLocation) -> BackendStatus:
    """Which secret store would be used and whether it works (for ``medsum doctor``)."""
    return describe_backend(fallback_file=fallback_file(location))


def audit_key(root: Path) -> bytes:
    """The audit log's key for the workspace at ``root``, created in the secret store on first use."""
    try:
        return get_or_create_secret(AUDIT_KEY, fallback_file=_fallback(root))
    except SecretsError as exc:
        raise SecretStoreError(str(exc)) from None


def existing_audit_key(root: Path) -> bytes | None:
    """The audit log's key, or None when it was never created (verification never creates it)."""
    try:
        return get_secret(AUDIT_KEY, fallback_file=_fallback(root))
    except SecretsError as exc:
        raise SecretStoreError(str(exc)) from None
