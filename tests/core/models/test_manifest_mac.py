"""Keyed manifests (issue 20, item 6): a manifest whose hashes were recomputed, whose
``allow_pickle`` was turned on, whose MAC was deleted, or that was copied from another model is
refused by ``verify`` and by every load; an unsigned (older) model is reported, never trusted."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from core.key_record import KEYS_FILE
from core.models import ModelError, import_model, load_model, load_tokenizer
from core.models.signing import MAC_FILE, ManifestState
from core.models.store import manifest_problem, sign_model, verify_details
from core.secrets import audit_key
from privacy.secrets import AUDIT_KEY, get_or_create_secret

MANIFEST = "manifest.json"


def _edit_manifest(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    data = json.loads((path / MANIFEST).read_text())
    change(data)
    (path / MANIFEST).write_text(json.dumps(data, indent=2) + "\n")


def _flip_weight_and_rehash(path: Path) -> None:
    """The issue's first attack: change a weight byte and write the file's new SHA-256 into the manifest."""
    weights = path / "model.safetensors"
    raw = bytearray(weights.read_bytes())
    raw[-1] ^= 0x01
    weights.write_bytes(bytes(raw))

    def rehash(data: dict) -> None:  # type: ignore[type-arg]
        data["files"]["model.safetensors"]["sha256"] = hashlib.sha256(bytes(raw)).hexdigest()

    _edit_manifest(path, rehash)


def _assert_refused(root: Path, name: str, state: ManifestState, words: str) -> None:
    problems = verify_details(root, name)
    assert problems == [(MANIFEST, state.value)]
    message = manifest_problem(name, problems)
    assert message is not None and words in message and f"model {name}" in message and "\n" not in message
    for loader in (load_model, load_tokenizer):
        with pytest.raises(ModelError) as exc:
            loader(root, name)
        assert words in str(exc.value) and f"model {name}" in str(exc.value) and "\n" not in str(exc.value)


@pytest.fixture
def bart(root: Path, checkpoints: dict[str, Path]) -> Path:
    return import_model(root, checkpoints["bart"], "m").path


def test_import_writes_a_mac_and_verify_passes(root: Path, bart: Path) -> None:
    assert (bart / MAC_FILE).read_text().startswith("hmac-sha256:")
    assert verify_details(root, "m") == []
    load_tokenizer(root, "m")


def test_flipped_weight_with_recomputed_hash_is_refused(root: Path, bart: Path) -> None:
    _flip_weight_and_rehash(bart)
    _assert_refused(root, "m", ManifestState.MISMATCH, "does not match its MAC")


def test_allow_pickle_turned_on_is_refused(root: Path, bart: Path) -> None:
    _edit_manifest(bart, lambda data: data["entry"].update(allow_pickle=True))
    _assert_refused(root, "m", ManifestState.MISMATCH, "re-import it from the original source")


def test_edited_file_hash_alone_is_refused(root: Path, bart: Path) -> None:
    _edit_manifest(bart, lambda data: data["files"]["config.json"].update(sha256="0" * 64))
    _assert_refused(root, "m", ManifestState.MISMATCH, "does not match its MAC")


def test_deleted_mac_is_refused_as_unsigned(root: Path, bart: Path) -> None:
    _flip_weight_and_rehash(bart)
    (bart / MAC_FILE).unlink()
    _assert_refused(root, "m", ManifestState.UNSIGNED, "unsigned")


def test_another_models_manifest_and_mac_are_refused(root: Path, checkpoints: dict[str, Path]) -> None:
    """Copying model a's manifest and MAC over model b (same checkpoint files) does not pass as b's."""
    a = import_model(root, checkpoints["bart"], "a").path
    b = import_model(root, checkpoints["bart"], "b").path
    for name in (MANIFEST, MAC_FILE):
        shutil.copyfile(a / name, b / name)
    _assert_refused(root, "b", ManifestState.MISMATCH, "copied from another model")


def test_a_mac_from_another_key_is_refused(root: Path, bart: Path, memory_keyring) -> None:  # type: ignore[no-untyped-def]
    # The secret store was replaced by one with a new audit key, and the workspace's record of
    # its key ids removed too (else that alone refuses the store: see test_lost_secret_store).
    memory_keyring.data.clear()
    (root / KEYS_FILE).unlink()
    get_or_create_secret(AUDIT_KEY, backend=memory_keyring)
    for loader in (load_model, load_tokenizer):  # (verify_details is refused sooner: the ledger's seal)
        with pytest.raises(ModelError, match="does not match its MAC"):
            loader(root, "m")


def test_missing_audit_key_is_refused(root: Path, bart: Path, memory_keyring) -> None:  # type: ignore[no-untyped-def]
    memory_keyring.data.clear()
    for loader in (load_model, load_tokenizer):
        with pytest.raises(ModelError, match="audit key is not in the secret store"):
            loader(root, "m")


def test_sign_accepts_only_an_untouched_unsigned_model(root: Path, bart: Path) -> None:
    (bart / MAC_FILE).unlink()  # as stored before manifests were keyed
    sign_model(root, "m")
    assert verify_details(root, "m") == []
    with pytest.raises(ModelError, match="already signed"):
        sign_model(root, "m")


def test_sign_refuses_a_manifest_changed_since_import(root: Path, bart: Path) -> None:
    _flip_weight_and_rehash(bart)
    (bart / MAC_FILE).unlink()
    with pytest.raises(ModelError, match="not the one recorded when it was imported"):
        sign_model(root, "m")
    _assert_refused(root, "m", ManifestState.UNSIGNED, "unsigned")


def test_sign_refuses_changed_files_and_forged_macs(root: Path, bart: Path) -> None:
    _edit_manifest(bart, lambda data: data["entry"].update(allow_pickle=True))
    with pytest.raises(ModelError, match="does not match its MAC"):
        sign_model(root, "m")
