"""Crash-proof checkpoints: a crash at any point of the swap leaves a complete checkpoint that
resume finds, takes the newest of, and names; incomplete or damaged ones are skipped and said."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import load_file

from core.train import checkpoint as ck
from core.train.batching import Encoded
from core.train.config import TrainConfig
from core.train.loop import TrainingLoop
from tests.core.train.conftest import PAD, tiny_bart


class _Stop(Exception):
    pass


def _config(**over: Any) -> TrainConfig:
    base = {"dataset": "d", "model": "m", "full": True, "epochs": 2, "batch_size": 8, "learning_rate": 3e-3,
            "checkpoint_every": 4, "seed": 7}
    return TrainConfig(**{**base, **over})


def _loop(data: tuple[Encoded, Encoded], run_dir: Path, *, seed: int = 0, emit: Any = None) -> TrainingLoop:
    train, val = data
    return TrainingLoop(tiny_bart(seed), train, val, _config(), pad_id=PAD, run_dir=run_dir, emit=emit)


def _train_until(data: tuple[Encoded, Encoded], run_dir: Path, step: int) -> TrainingLoop:
    """Train in ``run_dir`` until ``step`` is done, then stop as a kill would."""
    def stop(kind: str, **fields: Any) -> None:
        if kind == "step" and fields["step"] == step:
            raise _Stop

    run_dir.mkdir(parents=True, exist_ok=True)
    loop = _loop(data, run_dir, emit=stop)
    with pytest.raises(_Stop):
        loop.run()
    return loop


def _resume(data: tuple[Encoded, Encoded], run_dir: Path) -> tuple[TrainingLoop, dict[str, Any]]:
    """A fresh loop (other initial weights) resumed in ``run_dir``, and its ``resume`` event."""
    events: list[tuple[str, dict[str, Any]]] = []
    loop = _loop(data, run_dir, seed=99, emit=lambda kind, **fields: events.append((kind, fields)))
    loop.resume()
    resumes = [fields for kind, fields in events if kind == "resume"]
    assert len(resumes) == 1, events
    return loop, resumes[0]


def _weights(loop: TrainingLoop) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in ck.trainable_state(loop.model).items()}


def _same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _save_now(loop: TrainingLoop, run_dir: Path) -> Path:
    return ck.save_checkpoint(run_dir, loop.model, loop.optimizer, loop.scheduler, loop.progress)


def test_checkpoints_are_per_step_directories_with_a_completion_marker(tmp_path: Path, data) -> None:  # type: ignore[no-untyped-def]
    _train_until(data, tmp_path, 10)  # checkpoints at 4 and 8
    entries = sorted(p.name for p in (tmp_path / "checkpoints").iterdir())
    assert entries == ["step-000008"]  # the previous one goes once the new one is in place
    marker = (tmp_path / "checkpoints" / "step-000008" / "complete.json").read_text()
    assert '"step": 8' in marker and "trainable.safetensors" in marker and "trainer_state.pt" in marker
    loop, event = _resume(data, tmp_path)
    assert loop.progress.step == 8
    assert event["message"] == "resuming from checkpoint step 8 (checkpoints/step-000008)"
    assert event["checkpoint"] == "checkpoints/step-000008" and event["skipped"] == []


def test_a_crash_at_the_rename_leaves_a_complete_temporary_checkpoint_that_resume_takes(
        tmp_path: Path, data, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    loop = _train_until(data, tmp_path, 6)  # on disk: step 4; in memory: step 6
    expected = _weights(loop)
    def crash(src: Any, dst: Any) -> None:
        raise OSError("killed inside the swap")

    monkeypatch.setattr(os, "rename", crash)
    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="killed inside the swap"):
        _save_now(loop, tmp_path)
    monkeypatch.undo()

    resumed, event = _resume(data, tmp_path)
    assert resumed.progress.step == 6
    assert _same(_weights(resumed), expected)
    assert event["step"] == 6 and event["message"].startswith("resuming from checkpoint step 6 (checkpoints/.step-000006")
    assert ck.checkpointed_step(tmp_path) == 6


def test_a_crash_after_the_rename_keeps_both_and_resume_takes_the_newest(
        tmp_path: Path, data, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    loop = _train_until(data, tmp_path, 6)
    expected = _weights(loop)

    def crash(path: Any, *args: Any, **kwargs: Any) -> None:
        raise OSError("killed before the old checkpoint was removed")

    monkeypatch.setattr(shutil, "rmtree", crash)
    with pytest.raises(OSError):
        _save_now(loop, tmp_path)
    monkeypatch.undo()
    assert {p.name for p in (tmp_path / "checkpoints").iterdir()} == {"step-000004", "step-000006"}

    resumed, event = _resume(data, tmp_path)
    assert resumed.progress.step == 6 and _same(_weights(resumed), expected)
    assert event["message"] == "resuming from checkpoint step 6 (checkpoints/step-000006)"


def test_a_partial_checkpoint_without_its_marker_is_skipped_and_said(
        tmp_path: Path, data, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    loop = _train_until(data, tmp_path, 6)
    real_save = torch.save

    def crash_midway(obj: Any, f: Any, *args: Any, **kwargs: Any) -> None:
        Path(f).write_bytes(b"PK\x03\x04 half a state file")
        raise OSError("killed while writing the state")

    monkeypatch.setattr(torch, "save", crash_midway)
    with pytest.raises(OSError):
        _save_now(loop, tmp_path)
    monkeypatch.setattr(torch, "save", real_save)

    resumed, event = _resume(data, tmp_path)
    assert resumed.progress.step == 4
    assert event["message"] == "resuming from checkpoint step 4 (checkpoints/step-000004)"
    [skipped] = event["skipped"]
    assert skipped["checkpoint"].startswith("checkpoints/.step-000006") and "no completion marker" in skipped["why"]


def test_a_damaged_newest_checkpoint_falls_back_to_the_previous(
        tmp_path: Path, data, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(ck, "_remove", lambda path: None)  # as if killed before step 4 was removed
    _train_until(data, tmp_path, 9)
    monkeypatch.undo()
    root = tmp_path / "checkpoints"
    assert {p.name for p in root.iterdir() if not p.name.startswith(".")} == {"step-000004", "step-000008"}
    for leftover in root.glob(".*"):  # step 8 was saved twice (every 4 steps, and at the epoch's end)
        shutil.rmtree(leftover)
    previous = load_file(str(root / "step-000004" / "trainable.safetensors"))
    weights = root / "step-000008" / "trainable.safetensors"
    damaged = bytearray(weights.read_bytes())
    damaged[-1] ^= 0x01  # one flipped bit in a weight
    weights.write_bytes(bytes(damaged))

    resumed, event = _resume(data, tmp_path)
    assert resumed.progress.step == 4 and _same(_weights(resumed), previous)
    assert event["message"] == "resuming from checkpoint step 4 (checkpoints/step-000004)"
    assert event["skipped"] == [{"checkpoint": "checkpoints/step-000008",
                                 "why": "trainable.safetensors does not match its SHA-256 (damaged)"}]


def test_the_old_layout_is_read_including_a_complete_checkpoint_tmp(tmp_path: Path, data) -> None:  # type: ignore[no-untyped-def]
    """Runs written before ``checkpoints/``: a kill between the old swap's renames left the newest
    whole checkpoint in ``checkpoint.tmp`` (step 8) beside ``checkpoint`` (step 4)."""
    _train_until(data, tmp_path / "a", 10)
    _train_until(data, tmp_path / "b", 5)
    old = tmp_path / "old"
    for source, name in ((tmp_path / "b" / "checkpoints" / "step-000004", "checkpoint"),
                         (tmp_path / "a" / "checkpoints" / "step-000008", "checkpoint.tmp")):
        shutil.copytree(source, old / name)
        (old / name / "complete.json").unlink()  # the old layout had no marker

    resumed, event = _resume(data, old)
    assert resumed.progress.step == 8
    assert _same(_weights(resumed), load_file(str(old / "checkpoint.tmp" / "trainable.safetensors")))
    assert event["message"] == "resuming from checkpoint step 8 (checkpoint.tmp)"
    assert ck.checkpointed_step(old) == 8


def test_nothing_complete_says_so_and_starts_at_step_0(tmp_path: Path, data) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "checkpoints" / ".step-000004.abcd.tmp").mkdir(parents=True)
    resumed, event = _resume(data, tmp_path)
    assert resumed.progress.step == 0 and event["checkpoint"] is None
    assert event["message"] == "no complete checkpoint: starting at step 0"
    assert [s["checkpoint"] for s in event["skipped"]] == ["checkpoints/.step-000004.abcd.tmp"]


def test_saving_again_cleans_leftovers_and_the_old_layout(tmp_path: Path, data) -> None:  # type: ignore[no-untyped-def]
    loop = _train_until(data, tmp_path, 6)
    (tmp_path / "checkpoint.tmp").mkdir()
    (tmp_path / "checkpoints" / ".step-000005.abcd.tmp").mkdir()
    final = _save_now(loop, tmp_path)
    assert final == tmp_path / "checkpoints" / "step-000006"
    assert [p.name for p in (tmp_path / "checkpoints").iterdir()] == ["step-000006"]
    assert not (tmp_path / "checkpoint.tmp").exists()
    _save_now(loop, tmp_path)  # the same step again replaces it
    assert [p.name for p in (tmp_path / "checkpoints").iterdir()] == ["step-000006"]
    assert ck.checkpointed_step(tmp_path) == 6
