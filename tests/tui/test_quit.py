"""`q` leaves within a second, even while a worker thread is stuck in a long call (a summary
generating on a loaded CPU, the demo import): the process must not wait for it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: A headless app whose dashboard call blocks for a minute; the auto-pilot presses q once the
#: call is under way and prints when it did.
SCRIPT = textwrap.dedent("""
    import sys, threading, time
    sys.path.insert(0, {root!r})
    from medsum_tui.tui.app import MedsumApp
    from medsum_tui.tui.run import run_app
    from tests.tui.fake_backend import FakeBackend

    started = threading.Event()

    class Stuck(FakeBackend):
        def dashboard(self):
            started.set()
            time.sleep(60)
            return super().dashboard()

    async def pilot(p):
        while not started.is_set():
            await p.pause(0.05)
        print("QUIT", time.monotonic(), flush=True)
        await p.press("q")

    app = MedsumApp(Stuck())
    app.preload_thread = object()  # no background imports in this check
    original = app.run
    app.run = lambda **kw: original(headless=True, auto_pilot=pilot, **kw)
    sys.exit(run_app(app))
""")


def test_q_quits_at_once_while_a_worker_is_stuck(tmp_path: Path) -> None:
    script = tmp_path / "stuck.py"
    script.write_text(SCRIPT.format(root=str(ROOT)), encoding="utf-8")
    child = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, cwd=ROOT, env={**os.environ, "TEXTUAL_ANIMATIONS": "none"})
    try:
        out, err = child.communicate(timeout=50)
    finally:
        child.kill()
    ended = time.monotonic()
    assert child.returncode == 0, err[-2000:]
    line = next(line for line in out.splitlines() if line.startswith("QUIT"))
    assert ended - float(line.split()[1]) < 1.0  # q to process end, with the dashboard call still blocked
