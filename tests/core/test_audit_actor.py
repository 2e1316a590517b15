"""The workspace's audit entries name their actor as the config or IT policy says, and list the
record ids an operation touched, capped."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from core.audit import MAX_LISTED_IDS, Auditor, audit_path, read_entries, record_ids, verify_audit
from core.config import ConfigError
from core.workspace import init_workspace, resolve_workspace
from privacy.audit import HASHED_PREFIX, Actor

NURSE = Actor("maria.lopez", "ward7-pc")


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace whose processes run as user maria.lopez on host ward7-pc."""
    monkeypatch.setattr("core.audit.current_actor", lambda: NURSE)
    opened, _ = init_workspace(resolve_workspace(tmp_path / "ws"))
    return opened.root


def _set_actor(config: Path, mode: str) -> None:
    config.write_text(config.read_text() + f'\n[audit]\nactor = "{mode}"\n')


def test_entries_name_the_user_and_host_by_default(root: Path) -> None:
    seq = Auditor(root).event("deid", records=3)
    entry = read_entries(root)[-1]
    assert entry["seq"] == seq and (entry["user"], entry["host"]) == ("maria.lopez", "ward7-pc")


def test_hashed_mode_stores_no_name_and_keeps_one_token_per_user(root: Path) -> None:
    _set_actor(root / "config.toml", "hashed")
    Auditor(root).event("deid", records=1)
    Auditor(root).event("deid", records=2)  # another process, the same user
    text = audit_path(root).read_text()
    assert "maria" not in text and "ward7" not in text
    first, second = read_entries(root)[-2:]
    assert first["user"].startswith(HASHED_PREFIX) and first["host"].startswith(HASHED_PREFIX)
    assert (first["user"], first["host"]) == (second["user"], second["host"])
    assert verify_audit(root).ok


def test_it_policy_sets_hashed_mode_over_the_user_config(root: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    _set_actor(root / "config.toml", "name")
    policy = tmp_path / "policy.toml"
    policy.write_text('[audit]\nactor = "hashed"\n')
    monkeypatch.setenv("MEDSUM_POLICY_FILE", str(policy))
    Auditor(root).event("deid", records=1)
    assert read_entries(root)[-1]["user"].startswith(HASHED_PREFIX)


def test_a_bad_actor_setting_names_the_key(root: Path) -> None:
    _set_actor(root / "config.toml", "initials")
    with pytest.raises(ConfigError, match=r"audit\.actor"):
        Auditor(root)


def test_record_ids_lists_a_few_and_hashes_them_all() -> None:
    ids = [f"r-{i:04d}" for i in range(500, 0, -1)]
    fields = record_ids(ids)
    assert fields["records"] == 500 and fields["record_ids"] == ids[:MAX_LISTED_IDS]
    whole = "".join(f"{i}\n" for i in sorted(ids)).encode()
    assert fields["record_ids_sha256"] == hashlib.sha256(whole).hexdigest()
    assert record_ids(list(reversed(ids)))["record_ids_sha256"] == fields["record_ids_sha256"]  # order-free
    odd = record_ids(["x" * 200, "a\nb"])["record_ids"]  # too long, or not one printable line: hashed
    assert all(i.startswith("sha256:") and len(i) == 71 for i in odd)


def test_a_long_id_list_stays_one_short_line(root: Path) -> None:
    Auditor(root).event("summarize", **record_ids([f"rec-{i}" for i in range(10_000)]), strategy="redact")
    line = audit_path(root).read_text().splitlines()[-1]
    assert len(line) < 1500 and json.loads(line)["fields"]["records"] == 10_000
