"""Why a child process (a training run, an evaluation) ended, when its events do not say."""

from __future__ import annotations

from pathlib import Path

from medsum_tui.tui.evaluation import EvalHandle
from medsum_tui.tui.evaluation import exit_event as eval_exit_event
from medsum_tui.tui.training import exit_message


def test_the_last_error_line_is_the_reason(tmp_path: Path) -> None:
    log = tmp_path / "child.log"
    log.write_text("loading\nmedsum: error: first\nmedsum: error: dataset notes: no split 'test'\nbye\n")
    assert exit_message(str(log), "ended") == "dataset notes: no split 'test'"
    assert eval_exit_event(EvalHandle(1, "run", "e", str(log)))["message"] == "dataset notes: no split 'test'"


def test_without_an_error_line_the_default_or_the_last_line(tmp_path: Path) -> None:
    log = tmp_path / "child.log"
    log.write_text("Killed\n")
    assert exit_message(str(log), "the evaluation process ended") == "the evaluation process ended"
    assert exit_message(str(log), "ended", last_line=True) == "Killed"
    assert exit_message(str(tmp_path / "missing.log"), "ended") == "ended"
    assert exit_message("", "ended") == "ended"
