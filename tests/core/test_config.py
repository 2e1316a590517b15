"""The TOML config: defaults, validation errors that name the file and key, IT policy override."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from core.config import ConfigError, MedsumConfig, default_config_toml, load_config


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_files_give_defaults(tmp_path: Path) -> None:
    loaded = load_config(tmp_path / "absent.toml", tmp_path / "no-policy.toml")
    assert loaded.config == MedsumConfig()
    assert loaded.locked == frozenset()


def test_default_file_parses_and_documents_every_section() -> None:
    text = default_config_toml()
    assert tomllib.loads(text) == {"schema_version": 1}
    for section in ("[records]", "[split]", "[offline]"):
        assert f"# {section}" in text


def test_unknown_key_names_file_and_key(tmp_path: Path) -> None:
    cfg = _write(tmp_path / "config.toml", "[records]\ntarget_feild = 'x'\n")
    with pytest.raises(ConfigError, match=r"config\.toml: records\.target_feild: Extra inputs"):
        load_config(cfg, tmp_path / "none.toml")


def test_wrong_type_names_key(tmp_path: Path) -> None:
    cfg = _write(tmp_path / "config.toml", "[records]\nmax_field_chars = 'lots'\n")
    with pytest.raises(ConfigError, match=r"records\.max_field_chars"):
        load_config(cfg, tmp_path / "none.toml")


def test_split_must_sum_to_one(tmp_path: Path) -> None:
    cfg = _write(tmp_path / "config.toml", "[split]\ntrain = 0.7\n")
    with pytest.raises(ConfigError, match="must be 1"):
        load_config(cfg, tmp_path / "none.toml")


def test_invalid_toml_is_one_line(tmp_path: Path) -> None:
    cfg = _write(tmp_path / "config.toml", "[records\n")
    with pytest.raises(ConfigError, match="invalid TOML") as info:
        load_config(cfg, tmp_path / "none.toml")
    assert "\n" not in str(info.value)


def test_policy_overrides_user_and_is_locked(tmp_path: Path) -> None:
    cfg = _write(tmp_path / "config.toml", "[offline]\nnetwork_guard = false\n[records]\ntarget_field = 'note'\n")
    policy = _write(tmp_path / "policy.toml", "[offline]\nnetwork_guard = true\n")
    loaded = load_config(cfg, policy)
    assert loaded.config.offline.network_guard is True
    assert loaded.config.records.target_field == "note"
    assert loaded.locked == frozenset({"offline.network_guard"})
    assert loaded.files == (cfg, policy)


def test_invalid_policy_names_policy_file(tmp_path: Path) -> None:
    policy = _write(tmp_path / "policy.toml", "[split]\nsalt = ''\n")
    with pytest.raises(ConfigError, match=r"policy\.toml: split\.salt"):
        load_config(None, policy)


def test_policy_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = _write(tmp_path / "site-policy.toml", "[records]\nmax_depth = 5\n")
    monkeypatch.setenv("MEDSUM_POLICY_FILE", str(policy))
    assert load_config(None).config.records.max_depth == 5
