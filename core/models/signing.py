"""Keyed manifests: an HMAC beside each stored model's ``manifest.json``.

A manifest lists every file's SHA-256 and the entry (architecture, ``allow_pickle``), so
anyone who can write the store could change a weight and write its new hash, or turn pickle
loading on. ``manifest.mac`` holds ``hmac-sha256:<hex>``: an HMAC-SHA256 of the manifest's
exact bytes, bound to the model's name, under a key derived from the workspace's audit key
(in the secret store, never on disk in plain text)::

    key = HMAC(audit_key, "medsum-model-manifest-key/1")
    mac = HMAC(key, "medsum-model-manifest/1" NUL name NUL manifest.json bytes)

Every path that writes a manifest signs it; ``models verify`` and every load check it before
trusting a single hash. A model stored before manifests were keyed has no ``manifest.mac``: it
is reported as unsigned and refused until ``medsum models sign NAME`` (which accepts it only
when its manifest is the one the audit log recorded at import and its files match) or a
re-import.
"""

from __future__ import annotations

import hashlib
import hmac
from enum import Enum
from pathlib import Path

from core.atomic import atomic_writer
from core.models.manifest import MANIFEST, MANIFEST_MAC
from core.secrets import audit_key, existing_audit_key

__all__ = ["MAC_FILE", "ManifestState", "manifest_mac", "manifest_state", "problem_text", "sign_manifest"]

MAC_FILE = MANIFEST_MAC
_PREFIX = "hmac-sha256:"
_KEY_LABEL = b"medsum-model-manifest-key/1"
_DOMAIN = b"medsum-model-manifest/1\0"


class ManifestState(Enum):
    """What the MAC says about a stored model's manifest."""

    SIGNED = "signed"
    UNSIGNED = "unsigned"  # no manifest.mac: stored before manifests were keyed, or the MAC was deleted
    MISMATCH = "mac mismatch"  # edited, recomputed, or copied from another model
    NO_KEY = "no key"  # the audit key is not in the secret store


def _model_key(key: bytes) -> bytes:
    return hmac.new(key, _KEY_LABEL, hashlib.sha256).digest()


def manifest_mac(key: bytes, name: str, manifest: bytes) -> str:
    """``hmac-sha256:<hex>`` of the manifest bytes of model ``name`` under the audit key ``key``."""
    body = _DOMAIN + name.encode("utf-8") + b"\0" + manifest
    return _PREFIX + hmac.new(_model_key(key), body, hashlib.sha256).hexdigest()


def sign_manifest(root: Path, directory: Path, name: str) -> None:
    """Write ``directory/manifest.mac`` for model ``name`` (the audit key is created if missing)."""
    mac = manifest_mac(audit_key(root), name, (directory / MANIFEST).read_bytes())
    with atomic_writer(directory / MAC_FILE) as handle:
        handle.write(mac + "\n")


def manifest_state(root: Path, directory: Path, name: str) -> ManifestState:
    """Check ``directory/manifest.mac`` against the manifest (never creates the key).

    A missing ``manifest.json`` counts as signed here: reading it then names the problem.
    """
    mac_path = directory / MAC_FILE
    try:
        manifest = (directory / MANIFEST).read_bytes()
    except FileNotFoundError:
        return ManifestState.SIGNED
    try:
        stored = mac_path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return ManifestState.UNSIGNED
    except (OSError, UnicodeDecodeError):
        return ManifestState.MISMATCH
    key = existing_audit_key(root)
    if key is None:
        return ManifestState.NO_KEY
    return ManifestState.SIGNED if hmac.compare_digest(stored, manifest_mac(key, name, manifest)) \
        else ManifestState.MISMATCH


def problem_text(name: str, state: ManifestState) -> str:
    """One line on why model ``name`` is refused, with the fix."""
    if state is ManifestState.UNSIGNED:
        return (f"model {name}: unsigned (imported before manifests were keyed, or its {MAC_FILE} was removed): "
                f"re-import it from the original source, or check it and run `medsum models sign {name}`")
    if state is ManifestState.NO_KEY:
        return (f"model {name}: the audit key is not in the secret store, so its manifest cannot be checked "
                "(was the keyring replaced?): restore the secret store, or re-import the model from the original source")
    return (f"model {name}: {MANIFEST} does not match its MAC (edited after import, or copied from another "
            f"model): refusing it; remove it and re-import it from the original source")
