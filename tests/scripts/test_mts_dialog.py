"""``scripts/mts_dialog.py``: the pipeline on real clinical dialogue (the 100 MTS-Dialog
validation pairs in ``tests/data``), run as a subprocess the way a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_pipeline_runs_on_mts_dialog_and_compares_with_the_baselines(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    env = {**os.environ, "MEDSUM_KEYRING": "cryptfile", "MEDSUM_KEYRING_PASSPHRASE": "test",
           "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "mts_dialog.py"), "--workspace", str(workspace),
         "--data", str(ROOT / "tests" / "data" / "mts-dialog"), "--max-steps", "4", "--limit", "6"],
        capture_output=True, text=True, env=env, timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "dataset mts-dialog: 100 records" in out
    for system in ("model", "structured baseline", "lead-3", "base model"):
        assert any(line.startswith(system) for line in out.splitlines()), system
    figures = json.loads(out.strip().splitlines()[-1])
    assert figures["pipeline"] == "mts-dialog" and figures["steps"] == 4
    assert set(figures["rougeL"]) == {"model", "structured baseline", "lead-3", "base model"}
    report = json.loads(next((workspace / "runs" / figures["run"] / "eval").glob("report-test.json")).read_text())
    assert report["dataset"] == "mts-dialog"
    assert len(report["examples"]) > 0
    assert report["phi_scan"]["summaries"] == 6
