"""Keyring backends for tests: in memory, so no test ever touches the OS keyring."""

from __future__ import annotations

from pathlib import Path

from keyring.backend import KeyringBackend


class MemoryKeyring(KeyringBackend):
    """An in-memory keyring. Priority -1 (like keyring's null backend): ``keyring`` never
    picks it by itself, even though defining it registers it for the rest of the session."""

    priority = -1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.data.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.data[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.data.pop((service, username), None)


_SEEDED: dict[tuple[tuple[str, str], ...], bytes] = {}


def seed_cryptfile(root: Path, passphrase: str = "test") -> None:
    """Copy the in-memory keyring's MedSum secrets into the workspace's encrypted keyring file
    (``<root>/secrets/keyring.cfg``), for a subprocess run with ``MEDSUM_KEYRING=cryptfile``:
    a workspace that used keys refuses a store that lacks them. Does nothing when the active
    keyring is not a :class:`MemoryKeyring` or holds no MedSum secret. A new file is a copy of
    one made once per set of secrets (each encrypted-file operation costs an Argon2 derivation)."""
    import os
    import tempfile

    import keyring

    from privacy.secrets import SERVICE, WrongPassphraseError, open_secret_store

    memory = keyring.get_keyring()
    if not isinstance(memory, MemoryKeyring):
        return
    entries = tuple(sorted((user, value) for (service, user), value in memory.data.items() if service == SERVICE))
    if not entries:
        return
    env = {"MEDSUM_KEYRING": "cryptfile", "MEDSUM_KEYRING_PASSPHRASE": passphrase}
    _seed_file_anchor(root, memory)
    target = root / "secrets" / "keyring.cfg"
    if target.exists():
        try:
            backend = open_secret_store(fallback_file=target, env=env)._backend  # noqa: SLF001 - test fixture
        except WrongPassphraseError:
            return  # the test runs with another passphrase on purpose
        for user, value in entries:
            if backend.get_password(SERVICE, user) != value:
                backend.set_password(SERVICE, user, value)
        return
    key = (*entries, ("", passphrase))
    if key not in _SEEDED:
        with tempfile.TemporaryDirectory() as scratch:
            made = Path(scratch) / "secrets" / "keyring.cfg"
            backend = open_secret_store(fallback_file=made, env=env)._backend  # noqa: SLF001 - test fixture
            for user, value in entries:
                backend.set_password(SERVICE, user, value)
            _SEEDED[key] = made.read_bytes()
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(target.parent, 0o700)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(_SEEDED[key])


def _seed_file_anchor(root: Path, memory: MemoryKeyring) -> None:
    """Carry the workspace's audit anchor from the in-memory (OS-style) keyring to the file the
    encrypted-file store keeps it in, unless that file is already there."""
    import base64

    from core.anchor import ANCHOR_FILE, FileAnchor, KeyringAnchor
    from privacy.secrets import AUDIT_KEY, SERVICE, SecretStore

    encoded = memory.get_password(SERVICE, AUDIT_KEY)
    if encoded is None or (root / ANCHOR_FILE).exists():
        return
    state = KeyringAnchor(SecretStore(memory, kind="os", backend_name="memory"), root).read()
    if state is not None:
        FileAnchor(root, base64.b64decode(encoded)).write(state)
