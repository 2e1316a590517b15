"""The real evaluation child the Evaluate screen starts: ``medsum eval RUN --events FILE``,
its progress events, and SIGTERM as a cancel that writes nothing."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from core.train.config import TrainConfig
from core.train.run import run_dir, start_run
from core.train.runs import RunsTable
from core.workspace import resolve_workspace
from medsum_tui.tui.evaluation import EvalStatus, fold_eval_events
from medsum_tui.tui.local import LocalBackend
from tests.cli.conftest import tiny_model_workspace
from tests.keyrings import seed_cryptfile

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A workspace with a finished two-step run of a tiny T5, whose config makes generation slow
    enough to cancel (one record a batch, long summaries)."""
    root = tmp_path_factory.mktemp("tui-eval-ws") / "ws"
    with tiny_model_workspace(root, records=60, seed=11) as opened:
        info = start_run(opened.root, TrainConfig(dataset="notes", model="tt", full=True, max_steps=2, batch_size=4,
                                                  max_source_len=64, max_target_len=16, device="cpu"))
    config = root / "config.toml"
    config.write_text(config.read_text() + "\n[generation]\nnum_beams = 1\nmax_new_tokens = 48\nbatch_size = 1\n")
    return root, info.run_id


def _follow(backend: LocalBackend, handle: object, stop_when: str, timeout: float = 120) -> EvalStatus:
    status, offset, deadline = EvalStatus(), 0, time.monotonic() + timeout
    while time.monotonic() < deadline:
        events, offset = backend.evaluation_events(handle, offset)  # type: ignore[arg-type]
        status = fold_eval_events(status, events)
        if status.ended or status.stage == stop_when:
            return status
        time.sleep(0.1)
    raise AssertionError(f"no {stop_when!r} within {timeout} s (last: {status})")


def test_the_child_reports_progress_and_a_cancel_writes_nothing(trained: tuple[Path, str],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    root, run_id = trained
    monkeypatch.setenv("MEDSUM_KEYRING", "cryptfile")  # the child has no in-memory keyring
    monkeypatch.setenv("MEDSUM_KEYRING_PASSPHRASE", "test")
    seed_cryptfile(root)  # ... so its encrypted file gets the workspace's keys
    backend = LocalBackend(resolve_workspace(root))
    done = _follow(backend, backend.start_evaluation(run_id), "never")
    assert done.outcome == "finished", done.message
    report = run_dir(root, run_id) / "eval" / "report-test.json"
    before = (report.read_bytes(), report.with_suffix(".md").read_bytes(), RunsTable(root).get(run_id).eval)

    handle = backend.start_evaluation(run_id)
    status = _follow(backend, handle, "model")
    while status.done == 0 and not status.ended:
        status = _follow(backend, handle, "model")
        events, _ = backend.evaluation_events(handle, 0)
        status = fold_eval_events(EvalStatus(), events)
    assert status.total > 0 and "model" in status.line()
    assert backend.cancel_evaluation(handle)
    ended = _follow(backend, handle, "never", timeout=10)
    assert ended.outcome == "cancelled"
    assert (report.read_bytes(), report.with_suffix(".md").read_bytes(), RunsTable(root).get(run_id).eval) == before
    kinds = [json.loads(line)["event"] for line in Path(handle.events).read_text().splitlines()]
    assert kinds[0] == "start" and "progress" in kinds and kinds[-1] == "cancelled"
