"""``medsum train --nproc N`` outside torchrun re-runs the same options under torchrun, and
inside torchrun ``--nproc`` must agree with it. (Real two-process runs are in
``test_cli_train_distributed.py``.)"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest


def test_nproc_reruns_the_same_options_under_torchrun(medsum, workspace_dir: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from medsum_tui.cli import train_cmd

    seen: list[tuple[int, list[str]]] = []
    monkeypatch.setattr(train_cmd, "_launch", lambda nproc, argv: seen.append((nproc, argv)) or 0)
    medsum("init", "--workspace", str(workspace_dir))
    (workspace_dir / "datasets" / "notes").mkdir(parents=True)  # the names are checked before the launch
    (workspace_dir / "datasets" / "notes" / "dataset.json").write_text("{}\n")
    (workspace_dir / "models" / "tt").mkdir(parents=True)
    result = medsum("train", "--workspace", str(workspace_dir), "--dataset", "notes", "--model", "tt", "--full",
                    "--lr", "0.003", "--nproc", "2", "--dp", "--target-epsilon", "3")
    assert result.code == 0, result.err
    ((nproc, argv),) = seen
    assert nproc == 2 and argv[0] == "train" and "--nproc" not in argv
    pairs = {opt: value for opt, value in pairwise(argv) if not value.startswith("--")}
    assert pairs["--dataset"] == "notes" and pairs["--model"] == "tt" and pairs["--lr"] == "0.003"
    assert pairs["--target-epsilon"] == "3.0" and pairs["--workspace"] == str(workspace_dir)
    assert "--full" in argv and "--dp" in argv


def test_nproc_must_match_torchrun(medsum, workspace_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORLD_SIZE", "4")
    medsum("init", "--workspace", str(workspace_dir))
    result = medsum("train", "--workspace", str(workspace_dir), "--dataset", "notes", "--model", "tt", "--nproc", "2")
    assert result.code != 0 and "--nproc 2 does not match the 4 processes torchrun started" in result.err
