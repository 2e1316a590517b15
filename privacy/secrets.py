"""MedSum's secrets: 32 random bytes per name, kept in the OS keyring through ``keyring``.

The secrets are the de-identification surrogate/date-shift secret (:data:`DEID_SECRET`)
and the audit key (:data:`AUDIT_KEY`), stored base64 under the service :data:`SERVICE`
and created with :func:`secrets.token_bytes` the first time they are asked for.

Where they live is decided once, by :func:`open_secret_store`:

- by default the OS keyring (``keyring.get_keyring()``: Secret Service, KWallet, macOS
  Keychain, Windows Credential Locker). If there is none, or it fails, or it is only a file
  keyring that ``keyring`` found by itself, :class:`SecretsUnavailableError` says so in one
  line with the fix; MedSum never falls back to anything on its own.
- with ``MEDSUM_KEYRING=cryptfile``, an encrypted file (``keyrings.cryptfile``: Argon2 key
  derivation, AES-GCM) at the path the caller gives (the workspace's
  ``secrets/keyring.cfg``), its passphrase from ``MEDSUM_KEYRING_PASSPHRASE`` or typed at a
  prompt when stdin is a terminal.

No key is ever written in plain text, and no secret value appears in an exception message
or a log record.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import getpass
import logging
import os
import re
import secrets as _random
import stat
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

import keyring
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

try:  # POSIX; elsewhere the cryptfile store goes without an inter-process lock
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "AUDIT_KEY",
    "DEID_SECRET",
    "KEYRING_ENV",
    "OS_FIX",
    "PASSPHRASE_ENV",
    "SECRET_BYTES",
    "SERVICE",
    "BackendStatus",
    "SecretStore",
    "SecretsError",
    "SecretsUnavailableError",
    "WrongPassphraseError",
    "describe_backend",
    "get_or_create_secret",
    "get_secret",
    "open_secret_store",
]

log = logging.getLogger(__name__)
_T = TypeVar("_T")

#: The keyring service name every MedSum secret is stored under.
SERVICE = "medsum"
#: The de-identification surrogate / date-shift secret.
DEID_SECRET = "deid-secret"
#: The key of the audit log.
AUDIT_KEY = "audit-key"
#: Length of every secret, in bytes.
SECRET_BYTES = 32

#: Environment variable choosing the store: unset, ``os`` or ``keyring`` for the OS keyring,
#: ``cryptfile`` for the encrypted file.
KEYRING_ENV = "MEDSUM_KEYRING"
#: Environment variable holding the passphrase of the encrypted file.
PASSPHRASE_ENV = "MEDSUM_KEYRING_PASSPHRASE"

#: What to do when the OS keyring is not usable (one line, shown by errors and ``medsum doctor``).
OS_FIX = (
    "install and unlock a Secret Service (e.g. gnome-keyring), or use the encrypted file "
    f"fallback: set {KEYRING_ENV}=cryptfile with its passphrase in {PASSPHRASE_ENV} "
    "(or typed at the prompt when stdin is a terminal)"
)
_PASSPHRASE_FIX = (
    f"set {PASSPHRASE_ENV}, or run in a terminal to type it, or unset {KEYRING_ENV} to use the OS keyring"
)
_OS_WORDS = frozenset({"", "os", "keyring", "system"})
_CRYPTFILE_WORDS = frozenset({"cryptfile"})
_NAME_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
# Modules of file-based keyrings: ``keyring`` may pick them by itself (keyrings.cryptfile
# registers itself and brings a plain-text keyring along), but they are not an OS keyring.
_FILE_KEYRING_MODULES = ("keyrings.cryptfile", "keyrings.alt", "keyring.backends.file")
# Looked up (never set) to check that the OS keyring answers.
_PROBE_USER = "medsum-probe"


class SecretsError(Exception):
    """A MedSum secret cannot be read or stored; the message is one line and holds no secret."""


class SecretsUnavailableError(SecretsError):
    """No usable secret store: the message is one line saying why and what to do.

    ``detail`` is the why and ``fix`` the what to do; ``str(error)`` joins them.
    """

    def __init__(self, detail: str, fix: str) -> None:
        self.detail = _one_line(detail)
        self.fix = _one_line(fix)
        super().__init__(f"{self.detail}; fix: {self.fix}" if self.fix else self.detail)


class WrongPassphraseError(SecretsUnavailableError):
    """The encrypted keyring file did not open with the passphrase given."""


@dataclass(frozen=True)
class BackendStatus:
    """Where MedSum's secrets would go and whether that works, for ``medsum doctor``.

    ``fix`` is empty when ``usable`` is true.
    """

    name: str
    usable: bool
    detail: str
    fix: str


class SecretStore:
    """Where MedSum's secrets live, chosen once by :func:`open_secret_store`.

    Wraps one ``keyring`` backend: the OS keyring (``kind == "os"``) or the encrypted file
    (``kind == "cryptfile"``, then ``file_path`` is the file). Build it with
    :func:`open_secret_store` rather than directly.
    """

    def __init__(
        self,
        backend: KeyringBackend,
        *,
        kind: Literal["os", "cryptfile"],
        backend_name: str,
        file_path: Path | None = None,
    ) -> None:
        """Wrap ``backend``; ``backend_name`` is what messages and ``medsum doctor`` show."""
        self._backend = backend
        self.kind: Literal["os", "cryptfile"] = kind
        self.backend_name = backend_name
        self.file_path = file_path

    def __repr__(self) -> str:
        return f"<SecretStore {self.kind}: {self.backend_name}>"

    def get(self, name: str) -> bytes | None:
        """The secret ``name`` (32 bytes), or None when it has not been created yet.

        Raises :class:`SecretsUnavailableError` when the store fails and :class:`SecretsError`
        when the stored value is not a valid secret.
        """
        _check_name(name)
        with self._locked():
            return self._read(name)

    def get_or_create(self, name: str) -> bytes:
        """The secret ``name`` (32 bytes), created from :func:`secrets.token_bytes` and stored
        the first time it is asked for.

        A value already stored is never replaced, even one that does not decode (that raises
        :class:`SecretsError`: output made with the old secret may still need it).
        """
        _check_name(name)
        with self._locked():
            current = self._read(name)
            if current is not None:
                return current
            value = _random.token_bytes(SECRET_BYTES)
            encoded = base64.b64encode(value).decode("ascii")
            self._call("store", lambda: self._backend.set_password(SERVICE, name, encoded), redact=encoded)
            if self.file_path is not None:
                _tighten_file(self.file_path)
                # The file lock is held, so nobody else wrote in between: no read-back.
                log.info("created secret %r in %s", name, self.backend_name)
                return value
            # Read back: a backend that drops what it is given must not hand out a key
            # that is gone next time; and if another process stored one just now, use theirs.
            stored = self._read(name)
            if stored is None:
                raise SecretsUnavailableError(
                    f"the keyring {self.backend_name} accepted secret {name!r} but does not return it",
                    OS_FIX,
                )
            log.info("created secret %r in %s", name, self.backend_name)
            return stored

    def get_record(self, name: str) -> str | None:
        """The small non-secret record ``name`` (one line of text kept beside the secrets, e.g.
        the audit log's anchor), or None when there is none."""
        _check_name(name)
        with self._locked():
            return self._call("read", lambda: self._backend.get_password(SERVICE, name))

    def set_record(self, name: str, text: str) -> None:
        """Store the record ``name`` (replacing any earlier one)."""
        _check_name(name)
        with self._locked():
            self._call("store", lambda: self._backend.set_password(SERVICE, name, text))
            if self.file_path is not None:
                _tighten_file(self.file_path)

    def _read(self, name: str) -> bytes | None:
        encoded = self._call("read", lambda: self._backend.get_password(SERVICE, name))
        if encoded is None:
            return None
        return _decode(encoded, name=name, where=self.backend_name)

    def _call(self, action: str, fn: Callable[[], _T], *, redact: str = "") -> _T:
        """Run one backend call; any failure becomes a one-line error with ``redact`` masked."""
        try:
            return fn()
        except SecretsError:
            raise
        except Exception as exc:  # KeyringError, and backends raise many more (D-Bus, OS, crypto)
            fix = OS_FIX if self.kind == "os" else f"check {self.file_path} and its passphrase"
            raise SecretsUnavailableError(
                f"the keyring {self.backend_name} failed to {action} a secret: {_describe_exc(exc, redact)}", fix
            ) from None

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        if self.file_path is None:
            yield
            return
        with _file_lock(self.file_path):
            yield


def open_secret_store(
    *,
    fallback_file: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> SecretStore:
    """Choose and open the store for MedSum's secrets, once.

    ``env`` (default :data:`os.environ`) decides: ``MEDSUM_KEYRING`` unset (or ``os``) means
    the OS keyring; ``cryptfile`` means the encrypted file ``fallback_file`` (the workspace
    passes ``<workspace>/secrets/keyring.cfg``), unlocked here with ``MEDSUM_KEYRING_PASSPHRASE``
    or a passphrase typed at a prompt when stdin is a terminal (created, mode 0600 in a 0700
    folder, if missing).

    ``fallback_file`` is only used when asked for: an unusable OS keyring raises
    :class:`SecretsUnavailableError` (one line, with the fix) and never switches to the file.
    A wrong passphrase raises :class:`WrongPassphraseError`.
    """
    env = os.environ if env is None else env
    mode = _mode(env)
    if mode == "cryptfile":
        return _open_cryptfile(fallback_file, env)
    backend = _resolve_os_backend(keyring.get_keyring)
    store = SecretStore(backend, kind="os", backend_name=_class_path(backend))
    store._call("read", lambda: backend.get_password(SERVICE, _PROBE_USER))
    return store


def get_or_create_secret(
    name: str,
    *,
    backend: SecretStore | KeyringBackend | None = None,
    fallback_file: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> bytes:
    """The 32-byte secret ``name`` (e.g. :data:`DEID_SECRET`), created on first use.

    ``backend``: a :class:`SecretStore` from :func:`open_secret_store`, or a ``keyring``
    backend to use as the OS keyring; by default a store is opened with ``fallback_file``
    and ``env`` (see :func:`open_secret_store`). Raises :class:`SecretsUnavailableError`
    when there is nowhere to keep it.
    """
    return _store_for(backend, fallback_file, env).get_or_create(name)


def get_secret(
    name: str,
    *,
    backend: SecretStore | KeyringBackend | None = None,
    fallback_file: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> bytes | None:
    """The 32-byte secret ``name``, or None when it was never created; arguments as for
    :func:`get_or_create_secret`."""
    return _store_for(backend, fallback_file, env).get(name)


def describe_backend(
    *,
    fallback_file: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> BackendStatus:
    """Which store MedSum's secrets would use and whether it works, without prompting and
    without creating anything.

    For the OS keyring it looks up a name that is never stored. For the encrypted file it
    checks that a passphrase is available and, when the file exists and the passphrase is in
    the environment, that it opens the file (an Argon2 derivation, about a second).
    """
    env = os.environ if env is None else env
    try:
        mode = _mode(env)
    except SecretsUnavailableError as exc:
        return BackendStatus(f"{KEYRING_ENV}={env.get(KEYRING_ENV, '')}", False, exc.detail, exc.fix)
    if mode == "os":
        try:
            store = open_secret_store(env=env)
        except SecretsUnavailableError as exc:
            return BackendStatus(_safe_default_name(), False, exc.detail, exc.fix)
        return BackendStatus(store.backend_name, True, "OS keyring answers", "")
    name = f"keyrings.cryptfile at {fallback_file}" if fallback_file else "keyrings.cryptfile"
    try:
        path = _fallback_path(fallback_file)
        _import_cryptfile()
        passphrase = env.get(PASSPHRASE_ENV)
        if not passphrase:
            if not _stdin_is_terminal():
                raise SecretsUnavailableError(
                    f"{KEYRING_ENV}=cryptfile but {PASSPHRASE_ENV} is not set and stdin is not a terminal",
                    _PASSPHRASE_FIX,
                )
            how = "passphrase asked at a prompt"
        else:
            how = f"passphrase from {PASSPHRASE_ENV}"
        if not path.exists():
            return BackendStatus(name, True, f"encrypted file, created on first use; {how}", "")
        if passphrase:
            _unlock_cryptfile(path, passphrase, create=False)
            return BackendStatus(name, True, f"encrypted file opens; {how}", "")
        return BackendStatus(name, True, f"encrypted file exists; {how}", "")
    except SecretsUnavailableError as exc:
        return BackendStatus(name, False, exc.detail, exc.fix)


# --- choosing the store ------------------------------------------------------------------


def _store_for(
    backend: SecretStore | KeyringBackend | None,
    fallback_file: Path | None,
    env: Mapping[str, str] | None,
) -> SecretStore:
    if isinstance(backend, SecretStore):
        return backend
    if isinstance(backend, KeyringBackend):
        resolved = _resolve_os_backend(lambda: backend)
        return SecretStore(resolved, kind="os", backend_name=_class_path(resolved))
    if backend is not None:
        raise TypeError(f"backend must be a SecretStore or a keyring backend, not {type(backend).__name__}")
    return open_secret_store(fallback_file=fallback_file, env=env)


def _mode(env: Mapping[str, str]) -> Literal["os", "cryptfile"]:
    word = env.get(KEYRING_ENV, "").strip().lower()
    if word in _OS_WORDS:
        return "os"
    if word in _CRYPTFILE_WORDS:
        return "cryptfile"
    raise SecretsUnavailableError(
        f"{KEYRING_ENV}={word!r} is not a known secret store",
        f"unset it for the OS keyring or set {KEYRING_ENV}=cryptfile",
    )


def _resolve_os_backend(get: Callable[[], KeyringBackend]) -> KeyringBackend:
    """The OS keyring backend to use, or :class:`SecretsUnavailableError`."""
    try:
        backend = get()
    except Exception as exc:  # a bad PYTHON_KEYRING_BACKEND or keyringrc.cfg raises anything
        raise SecretsUnavailableError(f"no usable OS keyring: {_describe_exc(exc)}", OS_FIX) from None
    if isinstance(backend, chainer.ChainerBackend):
        try:
            members = list(backend.backends)
        except Exception as exc:
            raise SecretsUnavailableError(f"no usable OS keyring: {_describe_exc(exc)}", OS_FIX) from None
        usable = [b for b in members if _os_problem(b) is None]
        if not usable:
            found = ", ".join(_class_path(b) for b in members) or "none"
            raise SecretsUnavailableError(f"no usable OS keyring (keyring found: {found})", OS_FIX)
        return usable[0]  # the chainer's order: highest priority first
    problem = _os_problem(backend)
    if problem is not None:
        raise SecretsUnavailableError(problem, OS_FIX)
    return backend


def _os_problem(backend: KeyringBackend) -> str | None:
    """Why ``backend`` is not an OS keyring MedSum may use, or None."""
    path = _class_path(backend)
    if isinstance(backend, fail.Keyring):
        return "no usable OS keyring (keyring found no backend)"
    if isinstance(backend, null.Keyring):
        return "the OS keyring is switched off (keyring's null backend is configured)"
    if isinstance(backend, chainer.ChainerBackend):
        return "no usable OS keyring (nested keyring chain)"
    if path.startswith(_FILE_KEYRING_MODULES) or hasattr(backend, "file_path"):
        return (
            f"the keyring backend is a file keyring ({path}), not an OS keyring; "
            f"MedSum only uses an encrypted file when {KEYRING_ENV}=cryptfile asks for it"
        )
    return None


# --- the encrypted file ------------------------------------------------------------------


def _open_cryptfile(fallback_file: Path | None, env: Mapping[str, str]) -> SecretStore:
    path = _fallback_path(fallback_file)
    _import_cryptfile()
    _prepare_file(path)
    with _file_lock(path):
        exists = _has_content(path)
        passphrase = _passphrase(env, path, new=not exists)
        kr = _unlock_cryptfile(path, passphrase, create=True)
        _tighten_file(path)
    return SecretStore(kr, kind="cryptfile", backend_name=f"keyrings.cryptfile at {path}", file_path=path)


def _fallback_path(fallback_file: Path | None) -> Path:
    if fallback_file is None:
        raise SecretsUnavailableError(
            f"{KEYRING_ENV}=cryptfile but no encrypted keyring file was given",
            "run inside a MedSum workspace, which keeps it in secrets/keyring.cfg",
        )
    path = Path(fallback_file).expanduser().absolute()
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise SecretsUnavailableError(
            f"the encrypted keyring file {path} is not a regular file", "remove it or point to another path"
        )
    return path


def _import_cryptfile() -> type[KeyringBackend]:
    try:
        from keyrings.cryptfile.cryptfile import CryptFileKeyring
    except ImportError:
        raise SecretsUnavailableError(
            f"{KEYRING_ENV}=cryptfile but keyrings.cryptfile is not installed",
            "pip install keyrings.cryptfile, or unset it to use the OS keyring",
        ) from None
    return CryptFileKeyring


def _prepare_file(path: Path) -> None:
    """Make the folder (0700 when made here) and the file (0600), before anything is written."""
    parent = path.parent
    if not parent.exists():
        try:
            parent.mkdir(mode=0o700, parents=True)
        except FileExistsError:
            pass
        else:
            os.chmod(parent, 0o700)  # mkdir's mode is filtered by the umask
    elif parent.stat().st_mode & 0o077:
        log.warning("the folder of the encrypted keyring file %s is open to other users", parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except FileExistsError:
        pass
    except OSError as exc:
        raise SecretsUnavailableError(
            f"cannot create the encrypted keyring file {path}: {exc.strerror}", f"check the permissions of {parent}"
        ) from None
    else:
        os.close(fd)
    _tighten_file(path)


def _tighten_file(path: Path) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode != 0o600:
        os.chmod(path, 0o600)


def _has_content(path: Path) -> bool:
    return path.exists() and path.stat().st_size > 0


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``<file>.lock`` so two processes never write the file at once."""
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):  # replaced or closed stdin
        return False


def _passphrase(env: Mapping[str, str], path: Path, *, new: bool) -> str:
    """The passphrase from the environment, else typed at a prompt (twice for a new file)."""
    given = env.get(PASSPHRASE_ENV)
    if given is not None:
        if not given.strip():
            raise SecretsUnavailableError(f"{PASSPHRASE_ENV} is empty", f"put the passphrase of {path} in it")
        return given
    if not _stdin_is_terminal():
        raise SecretsUnavailableError(
            f"{KEYRING_ENV}=cryptfile but {PASSPHRASE_ENV} is not set and stdin is not a terminal to ask for it",
            _PASSPHRASE_FIX,
        )
    try:
        if new:
            typed = getpass.getpass(f"New passphrase for MedSum's encrypted keyring {path}: ")
            if typed.strip() and getpass.getpass("Repeat the passphrase: ") != typed:
                raise SecretsUnavailableError("the two passphrases differ", "run again and type the same one twice")
        else:
            typed = getpass.getpass(f"Passphrase for MedSum's encrypted keyring {path}: ")
    except (EOFError, KeyboardInterrupt):
        raise SecretsUnavailableError("no passphrase was typed", _PASSPHRASE_FIX) from None
    if not typed.strip():
        raise SecretsUnavailableError("the passphrase is empty", "type a non-empty passphrase")
    return typed


def _unlock_cryptfile(path: Path, passphrase: str, *, create: bool) -> KeyringBackend:
    """A ``CryptFileKeyring`` on ``path`` unlocked with ``passphrase`` (the file initialised
    with it when empty and ``create``)."""
    kr = _import_cryptfile()()
    kr.file_path = str(path)
    if not create and not _has_content(path):  # pragma: no cover - describe_backend checks first
        raise SecretsUnavailableError(f"the encrypted keyring file {path} is empty", "")
    try:
        # Setting the key unlocks an existing file (checking its reference entry) or
        # initialises a new one; a wrong passphrase fails authenticated decryption.
        kr.keyring_key = passphrase
    except ValueError as exc:
        reason = str(exc)
        if "MAC check failed" in reason or "Incorrect Password" in reason:
            raise WrongPassphraseError(
                f"wrong passphrase for the encrypted keyring file {path} (or the file is damaged)",
                f"give the passphrase it was created with in {PASSPHRASE_ENV} or at the prompt",
            ) from None
        raise SecretsUnavailableError(
            f"cannot open the encrypted keyring file {path}: {_describe_exc(exc, passphrase)}",
            "restore it from a backup, or move it away to start a new one (secrets in it are lost)",
        ) from None
    except Exception as exc:  # corrupt content: JSON, base64, configparser errors
        raise SecretsUnavailableError(
            f"cannot open the encrypted keyring file {path}: {_describe_exc(exc, passphrase)}",
            "restore it from a backup, or move it away to start a new one (secrets in it are lost)",
        ) from None
    return kr


# --- small helpers -----------------------------------------------------------------------


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise ValueError(f"secret names are 1-64 lower-case letters, digits and '-', not {name!r}")


def _decode(encoded: str, *, name: str, where: str) -> bytes:
    try:
        value = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError, AttributeError):
        value = b""
    if len(value) != SECRET_BYTES:
        raise SecretsError(
            f"the stored secret {name!r} in {where} is not {SECRET_BYTES} bytes of base64; "
            "it is left as it is (data made with it may need it): restore it or delete it by hand"
        )
    return value


def _class_path(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _safe_default_name() -> str:
    try:
        return _class_path(keyring.get_keyring())
    except Exception:
        return "keyring"


def _describe_exc(exc: BaseException, redact: str = "") -> str:
    text = _one_line(str(exc))
    if redact:
        text = text.replace(redact, "<redacted>")
    text = text[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _one_line(text: str) -> str:
    return " ".join(text.split())
