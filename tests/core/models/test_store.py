"""Importing, verifying, listing and loading models in the workspace store."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest

from core.models import (
    ModelEntry,
    ModelError,
    get_model,
    import_model,
    list_models,
    load_model,
    load_tokenizer,
    verify_model,
)
from core.models.signing import sign_manifest
from tests.core.models.helpers import copy_checkpoint, store_contents, write_config


def _one_line(exc: pytest.ExceptionInfo[ModelError]) -> str:
    message = str(exc.value)
    assert "\n" not in message
    return message


def test_import_copies_hashes_and_records_the_entry(root: Path, checkpoints: dict[str, Path]) -> None:
    entry = import_model(root, checkpoints["bart"], "bart-a")
    assert isinstance(entry, ModelEntry)
    assert (entry.name, entry.family, entry.model_type) == ("bart-a", "bart", "bart")
    assert entry.architecture == "BartForConditionalGeneration"
    assert entry.source == "import:bart-checkpoint" and entry.allow_pickle is False
    assert entry.path == root / "models" / "bart-a" and entry.parameters > 100_000
    manifest = json.loads((entry.path / "manifest.json").read_text())
    assert set(manifest["files"]) == {p.name for p in checkpoints["bart"].iterdir()}
    assert entry.size_bytes == sum(f["size"] for f in manifest["files"].values())
    assert all(len(f["sha256"]) == 64 for f in manifest["files"].values())
    assert get_model(root, "bart-a") == entry
    assert verify_model(root, "bart-a") == []
    assert store_contents(root) == ["bart-a"]  # no temporaries left behind


def test_import_t5_and_list(root: Path, checkpoints: dict[str, Path]) -> None:
    import_model(root, checkpoints["t5"], "t5-b", source="custom")
    import_model(root, checkpoints["bart"], "a-bart")
    listed = list_models(root)
    assert [e.name for e in listed] == ["a-bart", "t5-b"]
    assert listed[1].family == "t5" and listed[1].source == "custom"
    assert list_models(root / "nowhere") == []


def test_load_model_runs_forward_and_generate(root: Path, checkpoints: dict[str, Path]) -> None:
    import_model(root, checkpoints["t5"], "t5")
    model, tokenizer, entry = load_model(root, "t5")
    assert entry.name == "t5" and not model.training
    batch = tokenizer(["fever and cough for two days"], return_tensors="pt")
    labels = tokenizer(text_target=["fever"], return_tensors="pt")["input_ids"]
    assert math.isfinite(model(**batch, labels=labels).loss.item())
    assert model.generate(**batch, max_new_tokens=4).shape[0] == 1
    assert load_tokenizer(root, "t5").eos_token_id == tokenizer.eos_token_id


def test_pickle_weights_refused_without_the_flag(root: Path, checkpoints: dict[str, Path], tmp_path: Path) -> None:
    import torch

    src = copy_checkpoint(checkpoints["bart"], tmp_path / "pickled")
    model, _, _ = _load_source(root, checkpoints["bart"])
    torch.save(model.state_dict(), src / "pytorch_model.bin")
    (src / "model.safetensors").unlink()
    with pytest.raises(ModelError) as exc:
        import_model(root, src, "pickled")
    message = _one_line(exc)
    assert "pytorch_model.bin" in message and "--allow-pickle" in message
    assert "pickled" not in store_contents(root)

    entry = import_model(root, src, "pickled", allow_pickle=True)
    assert entry.allow_pickle is True and (entry.path / "pytorch_model.bin").is_file()
    assert get_model(root, "pickled").allow_pickle is True
    loaded, _, _ = load_model(root, "pickled")
    assert loaded.config.model_type == "bart"


def _load_source(root: Path, src: Path) -> tuple[Any, Any, ModelEntry]:
    """Import ``src`` under a scratch name and load it (to get a model object to re-save)."""
    import_model(root, src, "scratch-src")
    return load_model(root, "scratch-src")


def test_pickle_files_beside_safetensors_are_left_behind(root: Path, checkpoints: dict[str, Path],
                                                         tmp_path: Path) -> None:
    src = copy_checkpoint(checkpoints["t5"], tmp_path / "both")
    (src / "pytorch_model.bin").write_bytes(b"not even a pickle")
    (src / "README.md").write_text("notes")
    entry = import_model(root, src, "both", allow_pickle=True)
    assert entry.allow_pickle is False
    assert not (entry.path / "pytorch_model.bin").exists() and not (entry.path / "README.md").exists()


@pytest.mark.parametrize(("fields", "found"), [
    ({"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"]}, "'gpt2'"),
    ({"model_type": "bert", "architectures": ["BertForMaskedLM"]}, "'bert'"),
    ({"architectures": ["Whatever"]}, "model_type None"),
    ({"model_type": "bart", "is_encoder_decoder": False}, "is_encoder_decoder false"),
])
def test_non_seq2seq_config_refused(root: Path, checkpoints: dict[str, Path], tmp_path: Path,
                                    fields: dict, found: str) -> None:
    src = copy_checkpoint(checkpoints["bart"], tmp_path / "other")
    write_config(src, **fields)
    with pytest.raises(ModelError) as exc:
        import_model(root, src, "other")
    message = _one_line(exc)
    assert str(src / "config.json") in message and found in message and "seq2seq" in message
    assert store_contents(root) == []


def test_missing_config_and_bad_json(root: Path, tmp_path: Path) -> None:
    src = tmp_path / "empty"
    src.mkdir()
    with pytest.raises(ModelError, match="config.json: not found"):
        import_model(root, src, "x")
    (src / "config.json").write_text("{not json")
    with pytest.raises(ModelError, match="not readable JSON"):
        import_model(root, src, "x")
    with pytest.raises(ModelError, match="not a directory"):
        import_model(root, tmp_path / "absent", "x")


def test_missing_tokenizer_or_weights_refused(root: Path, checkpoints: dict[str, Path], tmp_path: Path) -> None:
    no_tok = copy_checkpoint(checkpoints["bart"], tmp_path / "no-tok")
    (no_tok / "tokenizer.json").unlink()
    with pytest.raises(ModelError, match="no tokenizer files"):
        import_model(root, no_tok, "x")
    no_weights = copy_checkpoint(checkpoints["t5"], tmp_path / "no-weights")
    (no_weights / "model.safetensors").unlink()
    with pytest.raises(ModelError, match="no weights"):
        import_model(root, no_weights, "x")
    assert store_contents(root) == []


def test_failed_load_leaves_nothing_behind(root: Path, checkpoints: dict[str, Path], tmp_path: Path) -> None:
    src = copy_checkpoint(checkpoints["bart"], tmp_path / "broken")
    (src / "model.safetensors").write_bytes(b"garbage, not safetensors")
    with pytest.raises(ModelError) as exc:
        import_model(root, src, "broken")
    assert "does not load" in _one_line(exc)
    assert store_contents(root) == []


def test_duplicate_and_invalid_names_refused(root: Path, checkpoints: dict[str, Path]) -> None:
    import_model(root, checkpoints["t5"], "dup")
    with pytest.raises(ModelError, match="dup already exists") as exc:
        import_model(root, checkpoints["bart"], "dup")
    assert exc.value.exit_code == 1
    assert get_model(root, "dup").family == "t5"
    for bad in ("", "a/b", "..", ".hidden", "x" * 101, "sp ace", "../up"):
        with pytest.raises(ModelError, match="invalid model name"):
            import_model(root, checkpoints["t5"], bad)
    assert store_contents(root) == ["dup"]


def test_unknown_model(root: Path) -> None:
    with pytest.raises(ModelError, match="no model named ghost"):
        get_model(root, "ghost")
    with pytest.raises(ModelError, match="no model named ghost"):
        load_model(root, "ghost")


def test_verify_catches_changes_and_loading_refuses(root: Path, checkpoints: dict[str, Path]) -> None:
    entry = import_model(root, checkpoints["bart"], "m")
    with open(entry.path / "model.safetensors", "ab") as handle:
        handle.write(b"\0")
    assert verify_model(root, "m") == ["model.safetensors"]
    for loader in (load_model, load_tokenizer):
        with pytest.raises(ModelError) as exc:
            loader(root, "m")
        assert "model.safetensors (changed)" in _one_line(exc) and "m" in str(exc.value)
    (entry.path / "tokenizer.json").unlink()
    (entry.path / "extra.txt").write_text("new")
    assert verify_model(root, "m") == ["model.safetensors", "tokenizer.json", "extra.txt"]


def test_same_size_change_is_caught(root: Path, checkpoints: dict[str, Path]) -> None:
    entry = import_model(root, checkpoints["t5"], "m")
    config = entry.path / "config.json"
    text = config.read_text()
    config.write_text(text.replace('"d_model": 128', '"d_model": 256'))
    assert verify_model(root, "m") == ["config.json"]


def test_broken_manifest_is_named(root: Path, checkpoints: dict[str, Path]) -> None:
    entry = import_model(root, checkpoints["t5"], "m")
    (entry.path / "manifest.json").write_text("{}")
    with pytest.raises(ModelError, match="manifest.json: unreadable manifest"):
        verify_model(root, "m")
    (entry.path / "manifest.json").unlink()
    with pytest.raises(ModelError, match="manifest.json: missing"):
        load_model(root, "m")
    shutil.rmtree(entry.path)
    assert list_models(root) == []


def test_manifest_cannot_name_another_class(root: Path, checkpoints: dict[str, Path]) -> None:
    entry = import_model(root, checkpoints["bart"], "m")
    manifest = entry.path / "manifest.json"
    data = json.loads(manifest.read_text())
    data["entry"]["architecture"] = "GPT2LMHeadModel"
    manifest.write_text(json.dumps(data))
    sign_manifest(root, entry.path, "m")  # even signed with the workspace key, the class is checked
    with pytest.raises(ModelError, match="not a supported seq2seq class"):
        load_model(root, "m")
