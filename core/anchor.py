"""The audit log's anchor: its head and the ledger's seal version, kept beside the audit key.

The audit log is chained and keyed, its head is in the privacy ledger, and the ledger is
sealed (:mod:`privacy.ledger_seal`); but all three are workspace files, and restoring older
copies of them, or deleting them, leaves each one valid. The anchor records, after every
audit entry, the entry's seq and mac and the ledger's seal version, where workspace file
access does not reach:

- with the OS keyring: a keyring entry ``anchor-<hash of the workspace path>`` under the
  ``medsum`` service, beside the keys;
- with the encrypted-file store (itself a workspace file, ``secrets/keyring.cfg``): the
  file ``secrets/audit-anchor.json``, MACed with the audit key. It is exactly as safe as the
  store it sits beside: restoring the whole ``secrets`` folder with the log and the ledger
  goes unseen. Keep that folder out of the reach of whoever can restore the workspace.

The anchor only moves forward: an append whose entry would be at or before the anchored one
is refused (the log or the ledger was rolled back), and :func:`check_anchor` fails a log
that lacks the anchored entry or a ledger below the anchored version.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

from core.atomic import atomic_writer
from privacy.audit import Anchored, AnchorStore, AuditError
from privacy.secrets import SecretsError, SecretStore

__all__ = ["ANCHOR_FILE", "AnchorError", "FileAnchor", "KeyringAnchor", "open_anchor"]

#: The anchor file of the encrypted-file store, relative to the workspace.
ANCHOR_FILE = Path("secrets") / "audit-anchor.json"


class AnchorError(AuditError):
    """The anchor cannot be read or written, or was tampered with (one line)."""


def _to_text(state: Anchored) -> str:
    return json.dumps({"count": state.count, "mac": state.mac, "ledger_version": state.ledger_version},
                      sort_keys=True, separators=(",", ":"))


def _from_text(text: str, where: str) -> Anchored:
    """Parse :func:`_to_text`'s line; :class:`AnchorError` naming ``where`` when it is not one."""
    try:
        data = json.loads(text)
        state = Anchored(int(data["count"]), str(data["mac"]), int(data["ledger_version"]))
    except (ValueError, TypeError, KeyError):
        raise AnchorError(f"the audit anchor in {where} is not readable: it was damaged or edited") from None
    if state.count < 0 or state.ledger_version < 0:
        raise AnchorError(f"the audit anchor in {where} holds negative numbers: it was edited")
    return state


class KeyringAnchor:
    """The anchor as a record of the OS keyring (see :meth:`SecretStore.get_record`)."""

    def __init__(self, store: SecretStore, root: Path) -> None:
        """The anchor of the workspace at ``root``, named after its resolved path."""
        self._store = store
        digest = hashlib.sha256(str(Path(root).resolve()).encode("utf-8")).hexdigest()[:24]
        self._name = f"anchor-{digest}"
        self.where = f"the keyring entry medsum/{self._name}"

    def read(self) -> Anchored | None:
        """The anchored state, or None."""
        try:
            text = self._store.get_record(self._name)
        except SecretsError as exc:
            raise AnchorError(str(exc)) from None
        return None if text is None else _from_text(text, self.where)

    def write(self, state: Anchored) -> None:
        """Record ``state`` in the keyring."""
        try:
            self._store.set_record(self._name, _to_text(state))
        except SecretsError as exc:
            raise AnchorError(str(exc)) from None


class FileAnchor:
    """The anchor as a MACed file beside the encrypted-file store."""

    def __init__(self, root: Path, audit_key: bytes) -> None:
        """The anchor file of the workspace at ``root``, MACed under a key derived from the audit key."""
        self._path = Path(root) / ANCHOR_FILE
        self._key = hmac.new(audit_key, b"medsum audit anchor v1", hashlib.sha256).digest()
        self.where = str(self._path)

    def _tag(self, text: str) -> str:
        return hmac.new(self._key, text.encode("utf-8"), hashlib.sha256).hexdigest()

    def read(self) -> Anchored | None:
        """The anchored state, or None when the file does not exist."""
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            raise AnchorError(f"the audit anchor {self.where} is not readable: it was damaged or edited") from None
        if not isinstance(data, dict) or not isinstance(data.get("state"), str) or not isinstance(data.get("tag"), str):
            raise AnchorError(f"the audit anchor {self.where} is not an anchor: it was damaged or edited")
        if not hmac.compare_digest(data["tag"], self._tag(data["state"])):
            raise AnchorError(f"the audit anchor {self.where} does not match its mac: it was edited")
        return _from_text(data["state"], self.where)

    def write(self, state: Anchored) -> None:
        """Write ``state`` (atomically, with its mac)."""
        text = _to_text(state)
        try:
            self._path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            with atomic_writer(self._path) as handle:
                handle.write(json.dumps({"state": text, "tag": self._tag(text)}, sort_keys=True) + "\n")
        except OSError as exc:
            raise AnchorError(f"cannot write the audit anchor {self.where}: {exc.strerror or exc}") from None


def open_anchor(root: Path, audit_key: bytes) -> AnchorStore:
    """The anchor of the workspace at ``root``, beside the secret store the environment chooses."""
    from core.secrets import open_store, uses_file_store

    if uses_file_store():
        return FileAnchor(root, audit_key)
    return KeyringAnchor(open_store(root), root)
