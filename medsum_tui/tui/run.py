"""Run the app so that quitting is immediate, whatever its workers are doing.

Textual runs thread workers in the event loop's default executor, whose threads are not
daemons: after the app closes, the interpreter would wait for each to finish its call (a
summary generating, the demo import, a model import) before the process ends, leaving the
user at a blank terminal for minutes. Here the app runs on its own loop; once Textual has
restored the terminal, ``atexit`` handlers run (they stop evaluation children) and the
process ends at once, abandoning such threads. Nothing is lost by that: every file the
workers write is written atomically, so an abandoned write leaves the previous file whole.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import sys
import threading

from textual.app import App

__all__ = ["busy_threads", "run_app"]


def busy_threads() -> list[threading.Thread]:
    """The live non-daemon threads besides the main one: what would hold the process open."""
    main = threading.main_thread()
    return [t for t in threading.enumerate() if t is not main and not t.daemon and t.is_alive()]


def run_app(app: App[object]) -> int:
    """Run ``app`` until it quits and return its exit code; when a worker thread is still busy,
    end the process at once instead of waiting for it (see the module's docstring)."""
    loop = asyncio.new_event_loop()
    try:
        app.run(loop=loop)
    finally:
        code = app.return_code or 0
        if busy_threads():
            atexit._run_exitfuncs()  # the app's own exit handlers (children to stop), not the thread joins
            logging.shutdown()
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    loop.close()
    return code
