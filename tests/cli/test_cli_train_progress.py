"""``medsum train``'s progress without a terminal: plain lines every 10 steps or 10 seconds,
whichever comes first, and at the last step (a ``nohup`` log showed nothing between the first
validation and the final bar)."""

from __future__ import annotations

import re

import pytest

from medsum_tui.cli._progress import PlainTicker, TrainingProgress, format_eta, progress_line

START = {"event": "start", "run_id": "r1", "method": "lora", "device": "cpu", "precision": "fp32",
         "total_steps": 25, "step": 0, "resumed": False,
         "truncated": {"sources": 0, "targets": 0, "max_source_len": 64, "max_target_len": 32}}


def _step(step: int) -> dict:
    return {"event": "step", "step": step, "total_steps": 25, "loss": 2.5 - step / 100, "lr": 4e-4,
            "samples_per_s": 12.34, "eta_s": 25.0 - step, "epsilon": 0.5 + step / 100}


def test_plain_progress_prints_every_10_steps_and_the_last(capsys: pytest.CaptureFixture[str]) -> None:
    view = TrainingProgress()  # captured output is not a terminal: plain lines
    for event in (START, *map(_step, range(1, 13)),
                  {"event": "epoch", "epoch": 1, "step": 12, "val_loss": 2.1, "early_stop": False},
                  *map(_step, range(13, 26)), {"event": "end", "status": "finished"}):
        view(event)
    view.stop()
    out = capsys.readouterr().out
    assert "\r" not in out and "\x1b[" not in out
    lines = out.splitlines()
    assert lines[0] == "Run r1: lora on cpu (fp32), 25 steps"
    assert [line.split()[1] for line in lines if line.startswith("step ")] == ["1/25", "11/25", "21/25", "25/25"]
    assert "step 11/25 (44%) loss 2.3900 lr 4.00e-04 12.3 samples/s eps 0.610 eta 14s" in lines
    assert lines.index("epoch 1: validation loss 2.1") == lines.index("step 11/25 (44%) loss 2.3900 lr 4.00e-04 "
                                                                       "12.3 samples/s eps 0.610 eta 14s") + 1
    assert lines[-1].startswith("step 25/25 (100%) loss 2.2500") and "eta" not in lines[-1]


def test_plain_progress_prints_after_10_seconds_without_10_steps() -> None:
    now = [0.0]
    ticker = PlainTicker(clock=lambda: now[0])
    due = []
    for step in range(1, 6):
        now[0] += 4.0
        due.append(ticker.due(step, 100))
    assert due == [True, False, False, True, False]  # step 1, then 12 s later at step 4


def test_the_line_pieces() -> None:
    assert [format_eta(s) for s in (None, 42, 185, 3720)] == ["?", "42s", "3m05s", "1h02m"]
    assert progress_line(3, None) == "step 3 eta ?"
    assert re.fullmatch(r"step 5/10 \(50%\) loss 1\.0000 eta 5s", progress_line(5, 10, loss=1.0, eta_s=5.0))
