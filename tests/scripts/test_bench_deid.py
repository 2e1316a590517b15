"""``bench/deid.py --single``: the one-run mode whose instruction count the speed figures use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_single_run_de_identifies_the_records_once() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "bench/deid.py"), "--n", "5", "--single"],
                          capture_output=True, text=True, check=True, timeout=300)
    line = json.loads(done.stdout.strip().splitlines()[-1])
    assert line["mode"] == "single" and line["n"] == 5 and line["seconds"] > 0
