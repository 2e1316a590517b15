"""``medsum runs`` shows a killed run at its newest checkpoint's step (issue 20, item 10)."""

from __future__ import annotations

from pathlib import Path

from tests.core.train.test_runs_checkpoint_step import _killed_run, _save


def test_medsum_runs_lists_the_checkpoint_step(medsum, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert medsum("init", "--workspace", str(ws)).code == 0
    _killed_run(ws)
    _save(ws / "runs" / "r1", 10)
    listing = medsum("runs", "--workspace", str(ws))
    line = next(row for row in listing.out.splitlines() if row.startswith("r1 "))
    assert "killed" in line and " 10/30 " in line, line
