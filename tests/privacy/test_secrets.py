"""MedSum's secrets: the OS keyring through ``keyring``, the explicit encrypted-file fallback,
and one-line errors with the fix when neither is usable."""

from __future__ import annotations

import base64
import io
import logging
import shutil
import stat
import sys
from pathlib import Path

import keyring
import keyring.errors
import pytest
from keyring.backends import chainer, fail, null

import privacy.secrets as ps
from privacy.secrets import (
    AUDIT_KEY,
    DEID_SECRET,
    SERVICE,
    SecretsError,
    SecretStore,
    SecretsUnavailableError,
    WrongPassphraseError,
    describe_backend,
    get_or_create_secret,
    get_secret,
    open_secret_store,
)
from tests.keyrings import MemoryKeyring  # noqa: E402

PASSPHRASE = "correct horse battery staple"
CRYPT_ENV = {"MEDSUM_KEYRING": "cryptfile", "MEDSUM_KEYRING_PASSPHRASE": PASSPHRASE}


class LockedKeyring(MemoryKeyring):
    """A keyring whose collection stays locked (what Secret Service does with no prompter)."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")


class ForgetfulKeyring(MemoryKeyring):
    """Accepts every write and keeps nothing."""

    def set_password(self, service: str, username: str, password: str) -> None:
        pass


@pytest.fixture(autouse=True)
def _restore_keyring(monkeypatch: pytest.MonkeyPatch) -> object:
    """Restore whatever keyring backend was set before the test; no MEDSUM_KEYRING* from outside."""
    previous = keyring.get_keyring()
    monkeypatch.delenv("MEDSUM_KEYRING", raising=False)
    monkeypatch.delenv("MEDSUM_KEYRING_PASSPHRASE", raising=False)
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def memory() -> MemoryKeyring:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


@pytest.fixture
def no_tty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))


@pytest.fixture(scope="module")
def _cryptfile_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One encrypted keyring file made with PASSPHRASE (Argon2 is slow: tests copy it)."""
    pytest.importorskip("keyrings.cryptfile")
    path = tmp_path_factory.mktemp("template") / "keyring.cfg"
    open_secret_store(fallback_file=path, env=CRYPT_ENV)
    return path


@pytest.fixture
def cryptfile(_cryptfile_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the template file at ``<tmp>/ws/secrets/keyring.cfg``."""
    path = tmp_path / "ws" / "secrets" / "keyring.cfg"
    path.parent.mkdir(parents=True, mode=0o700)
    shutil.copy2(_cryptfile_template, path)
    return path


def _assert_one_line_fix(message: str) -> None:
    assert "\n" not in message
    assert "gnome-keyring" in message
    assert "MEDSUM_KEYRING=cryptfile" in message
    assert "MEDSUM_KEYRING_PASSPHRASE" in message


# --- the OS keyring ----------------------------------------------------------------------


def test_secret_is_created_once_then_the_same_value_returned(memory: MemoryKeyring) -> None:
    assert get_secret(DEID_SECRET) is None
    first = get_or_create_secret(DEID_SECRET)
    assert isinstance(first, bytes) and len(first) == 32
    assert get_or_create_secret(DEID_SECRET) == first
    assert get_secret(DEID_SECRET) == first
    assert memory.data == {(SERVICE, DEID_SECRET): base64.b64encode(first).decode("ascii")}


def test_distinct_names_get_distinct_values(memory: MemoryKeyring) -> None:
    store = open_secret_store(fallback_file=None, env={})
    assert store.kind == "os" and store.backend_name.endswith("MemoryKeyring")
    assert store.get_or_create(DEID_SECRET) != store.get_or_create(AUDIT_KEY)
    assert {user for _, user in memory.data} == {DEID_SECRET, AUDIT_KEY}


def test_an_explicit_backend_or_store_is_used(memory: MemoryKeyring) -> None:
    other = MemoryKeyring()
    value = get_or_create_secret(AUDIT_KEY, backend=other)
    assert get_secret(AUDIT_KEY, backend=other) == value
    assert memory.data == {}
    store = open_secret_store(env={})
    assert get_or_create_secret(AUDIT_KEY, backend=store) != value


@pytest.mark.parametrize(
    "make_backend",
    [fail.Keyring, null.Keyring, LockedKeyring],
    ids=["fail", "null", "locked"],
)
def test_unusable_os_keyring_gives_one_line_error_with_the_fix(make_backend, no_tty: None) -> None:
    keyring.set_keyring(make_backend())
    with pytest.raises(SecretsUnavailableError) as caught:
        get_or_create_secret(DEID_SECRET, env={})
    _assert_one_line_fix(str(caught.value))
    status = describe_backend(env={})
    assert not status.usable
    _assert_one_line_fix(f"{status.detail}; fix: {status.fix}")


def test_chainer_with_only_file_keyrings_is_not_an_os_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    """Installing keyrings.cryptfile makes keyring chain it (and a plain-text keyring) by default."""
    plaintext = pytest.importorskip("keyrings.cryptfile.file").PlaintextKeyring()
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [plaintext])
    keyring.set_keyring(chainer.ChainerBackend())
    with pytest.raises(SecretsUnavailableError, match="no usable OS keyring") as caught:
        open_secret_store(env={})
    _assert_one_line_fix(str(caught.value))
    keyring.set_keyring(plaintext)  # chosen outright, it is refused too
    with pytest.raises(SecretsUnavailableError, match="file keyring"):
        open_secret_store(env={})


def test_chainer_uses_its_first_os_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    plaintext = pytest.importorskip("keyrings.cryptfile.file").PlaintextKeyring()
    os_like = MemoryKeyring()
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [os_like, plaintext])
    keyring.set_keyring(chainer.ChainerBackend())
    value = get_or_create_secret(DEID_SECRET, env={})
    assert os_like.data[(SERVICE, DEID_SECRET)] == base64.b64encode(value).decode()


def test_unusable_os_keyring_never_falls_back_to_the_file(tmp_path: Path) -> None:
    keyring.set_keyring(fail.Keyring())
    fallback = tmp_path / "secrets" / "keyring.cfg"
    env = {"MEDSUM_KEYRING_PASSPHRASE": PASSPHRASE}
    with pytest.raises(SecretsUnavailableError):
        open_secret_store(fallback_file=fallback, env=env)
    assert not fallback.parent.exists()


def test_keyring_that_drops_writes_is_refused() -> None:
    keyring.set_keyring(ForgetfulKeyring())
    with pytest.raises(SecretsUnavailableError, match="does not return it"):
        get_or_create_secret(DEID_SECRET, env={})


def test_damaged_stored_value_is_reported_not_replaced_nor_shown(memory: MemoryKeyring) -> None:
    memory.data[(SERVICE, DEID_SECRET)] = "c2hvcnQ="  # base64 of b"short"
    with pytest.raises(SecretsError) as caught:
        get_or_create_secret(DEID_SECRET, env={})
    assert "c2hvcnQ" not in str(caught.value) and "\n" not in str(caught.value)
    assert memory.data[(SERVICE, DEID_SECRET)] == "c2hvcnQ="


def test_no_secret_in_logs(memory: MemoryKeyring, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    value = get_or_create_secret(AUDIT_KEY, env={})
    assert AUDIT_KEY in caplog.text
    assert base64.b64encode(value).decode() not in caplog.text and repr(value) not in caplog.text


def test_bad_names_and_unknown_store_are_refused(memory: MemoryKeyring) -> None:
    with pytest.raises(ValueError):
        get_or_create_secret("Deid secret", env={})
    with pytest.raises(SecretsUnavailableError, match="MEDSUM_KEYRING='plaintext'"):
        open_secret_store(env={"MEDSUM_KEYRING": "plaintext"})
    assert not describe_backend(env={"MEDSUM_KEYRING": "plaintext"}).usable


def test_describe_backend_for_a_working_os_keyring(memory: MemoryKeyring) -> None:
    status = describe_backend(env={})
    assert status.usable and status.fix == "" and status.name.endswith("MemoryKeyring")
    assert memory.data == {}  # looked, stored nothing


# --- the encrypted file ------------------------------------------------------------------


def test_cryptfile_needs_a_file_path(memory: MemoryKeyring) -> None:
    with pytest.raises(SecretsUnavailableError, match="no encrypted keyring file"):
        open_secret_store(fallback_file=None, env=CRYPT_ENV)


@pytest.mark.slow  # four Argon2 derivations, about 2.5 s
def test_cryptfile_round_trip_with_passphrase_from_env(
    tmp_path: Path, memory: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("keyrings.cryptfile")
    path = tmp_path / "ws" / "secrets" / "keyring.cfg"
    for name, value in CRYPT_ENV.items():  # the environment picks the fallback
        monkeypatch.setenv(name, value)
    store = open_secret_store(fallback_file=path)
    assert isinstance(store, SecretStore) and store.kind == "cryptfile" and store.file_path == path
    value = store.get_or_create(DEID_SECRET)
    assert len(value) == 32
    assert memory.data == {}  # nothing went to the OS keyring

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    content = path.read_bytes()
    for form in (value, base64.b64encode(value), base64.b64encode(value).rstrip(b"="), value.hex().encode()):
        assert form not in content
    assert PASSPHRASE.encode() not in content

    again = open_secret_store(fallback_file=path)  # a new process, in effect
    assert again.get(DEID_SECRET) == value
    assert get_secret(AUDIT_KEY, backend=again) is None
    assert describe_backend(fallback_file=path).usable


@pytest.mark.slow  # a wrong passphrase costs two Argon2 derivations per try, about 2 s
def test_cryptfile_wrong_passphrase_is_a_clear_one_line_error(cryptfile: Path) -> None:
    before = cryptfile.read_bytes()
    env = {**CRYPT_ENV, "MEDSUM_KEYRING_PASSPHRASE": "not the passphrase"}
    with pytest.raises(WrongPassphraseError) as caught:
        open_secret_store(fallback_file=cryptfile, env=env)
    message = str(caught.value)
    assert "wrong passphrase" in message and str(cryptfile) in message and "\n" not in message
    assert "not the passphrase" not in message
    assert isinstance(caught.value, SecretsUnavailableError)
    assert cryptfile.read_bytes() == before
    status = describe_backend(fallback_file=cryptfile, env=env)
    assert not status.usable and "wrong passphrase" in status.detail


def test_cryptfile_without_passphrase_and_no_terminal_is_an_error(cryptfile: Path, no_tty: None) -> None:
    env = {"MEDSUM_KEYRING": "cryptfile"}
    with pytest.raises(SecretsUnavailableError) as caught:
        open_secret_store(fallback_file=cryptfile, env=env)
    message = str(caught.value)
    assert "MEDSUM_KEYRING_PASSPHRASE is not set" in message and "terminal" in message and "\n" not in message
    assert not describe_backend(fallback_file=cryptfile, env=env).usable


def test_cryptfile_passphrase_typed_at_a_terminal(cryptfile: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return PASSPHRASE

    monkeypatch.setattr(sys, "stdin", Tty(""))
    monkeypatch.setattr(ps.getpass, "getpass", fake_getpass)
    store = open_secret_store(fallback_file=cryptfile, env={"MEDSUM_KEYRING": "cryptfile"})
    assert store.kind == "cryptfile" and len(prompts) == 1 and str(cryptfile) in prompts[0]


def test_new_cryptfile_asks_twice_and_refuses_a_mismatch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("keyrings.cryptfile")

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    answers = iter(["one passphrase", "another"])
    monkeypatch.setattr(sys, "stdin", Tty(""))
    monkeypatch.setattr(ps.getpass, "getpass", lambda prompt="": next(answers))
    path = tmp_path / "secrets" / "keyring.cfg"
    with pytest.raises(SecretsUnavailableError, match="differ"):
        open_secret_store(fallback_file=path, env={"MEDSUM_KEYRING": "cryptfile"})
    assert path.read_bytes() == b""  # nothing written with either
