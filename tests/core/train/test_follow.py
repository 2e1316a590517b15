"""Following a run from its events file as it is written (``core.train.follow``)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from core.train.follow import Died, Ended, Progressed, Started, Validated, follow_events


def _line(event: dict) -> str:
    return json.dumps({"time": time.time(), **event}) + "\n"


def _write(path: Path, *events: dict) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.writelines(_line(e) for e in events)


def _step(step: int, total: int = 20, **extra: object) -> dict:
    return {"event": "step", "step": step, "total_steps": total, "loss": 1.0 / step, "eta_s": 1.0, **extra}


def test_a_finished_run_gives_its_outcome_at_once(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    _write(events, {"event": "start", "step": 0, "total_steps": 20}, *(_step(s) for s in range(1, 21)),
           {"event": "epoch", "epoch": 1, "step": 20, "val_loss": 0.9, "best_val_loss": 0.9, "early_stop": False},
           {"event": "end", "status": "finished", "step": 20, "message": "done", "epsilon": 1.25})
    updates = list(follow_events(events, alive=lambda: False, poll_s=0.01))
    assert updates == [Ended("finished", 20, 20, "done", 1.25, 0.9)] and updates[0].finished


def test_a_killed_run_ends_not_finished(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    _write(events, *(_step(s) for s in range(1, 8)), {"event": "end", "status": "killed"})
    [ended] = follow_events(events, alive=lambda: False, poll_s=0.01)
    assert isinstance(ended, Ended) and (ended.status, ended.step, ended.finished) == ("killed", 7, False)


def test_a_process_gone_without_an_end_event_is_reported(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    _write(events, *(_step(s) for s in range(1, 6)))
    updates = list(follow_events(events, alive=lambda: False, poll_s=0.01))
    assert [type(u) for u in updates] == [Progressed, Died] and updates[-1] == Died(5, 20)


def test_events_appended_while_following_come_in_order_to_the_end(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.touch()
    polled = threading.Event()

    def idle(seconds: float) -> None:
        polled.set()  # the follower has read the (empty) file: the trainer may start
        time.sleep(seconds)

    def trainer() -> None:
        polled.wait(30)
        _write(events, {"event": "start", "run_id": "r1", "step": 0, "total_steps": 20, "resumed": False})
        for step in range(1, 21):
            line = _line(_step(step, epsilon=step / 10))
            with events.open("a", encoding="utf-8") as handle:  # a line written in two pieces
                handle.write(line[:10])
                handle.flush()
                time.sleep(0.002)
                handle.write(line[10:])
            if step == 10:
                _write(events, {"event": "epoch", "epoch": 1, "step": 10, "val_loss": 0.5, "best_val_loss": 0.5,
                                "early_stop": False})
        _write(events, {"event": "end", "status": "finished", "step": 20, "message": "done"})

    writer = threading.Thread(target=trainer)
    writer.start()
    updates = list(follow_events(events, alive=lambda: True, poll_s=0.005, sleep=idle))
    writer.join()
    assert updates[0] == Started("r1", 0, 20, False)
    steps = [u.step for u in updates if isinstance(u, Progressed)]
    assert steps == list(range(1, 21))
    assert [type(u) for u in updates].index(Validated) == 11  # after step 10
    assert updates[-1] == Ended("finished", 20, 20, "done", 2.0, 0.5)


def test_an_end_older_than_a_restart_is_passed_over(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    _write(events, _step(3), {"event": "end", "status": "killed", "time": 100.0})
    writer = threading.Timer(0.05, lambda: _write(events, {"event": "start", "step": 2, "total_steps": 20,
                                                           "resumed": True},
                                                  {"event": "end", "status": "finished", "step": 20}))
    writer.start()
    updates = list(follow_events(events, alive=lambda: True, poll_s=0.01, ended_before=200.0))
    writer.join()
    assert [type(u) for u in updates] == [Progressed, Started, Ended] and updates[-1].status == "finished"
