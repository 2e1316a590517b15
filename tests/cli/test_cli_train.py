"""``medsum train`` and ``medsum runs`` through the CLI, including resume after ``kill -9``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from core.datasets import import_dataset, load_splits
from core.models import init_tiny
from core.synth import generate_corpus, write_corpus
from core.workspace import init_workspace, resolve_workspace
from tests.cli.conftest import train_then_kill

SHORT = ("--max-source-len", "64", "--max-target-len", "32", "--batch-size", "4")


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A workspace with a redacted dataset ``notes`` and tiny models ``tb`` (BART) and ``tt`` (T5)."""
    root = tmp_path_factory.mktemp("train-ws") / "ws"
    opened, _ = init_workspace(resolve_workspace(root))
    corpus = tmp_path_factory.mktemp("corpus") / "records.jsonl"
    write_corpus(generate_corpus(80, 31), corpus, None)
    import_dataset(opened, corpus, "notes", strategy="redact")
    texts = list(load_splits(opened.root, "notes")["train"]["source"])
    init_tiny(opened.root, "bart", "tb", texts)
    init_tiny(opened.root, "t5", "tt", texts)
    return str(root)


def _run_dir(ws: str, out: str) -> Path:
    line = next(line for line in out.splitlines() if line.startswith("Run directory: "))
    return Path(line.removeprefix("Run directory: "))


def test_full_training_writes_the_run_directory_and_registers_the_run(medsum, ws: str, tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    result = medsum("train", "--workspace", ws, "--dataset", "notes", "--model", "tb", "--full", "--max-steps", "6",
                    "--checkpoint-every", "2", "--events", str(events), *SHORT)
    assert result.code == 0, result.err
    assert "finished at step 6/6" in result.out
    run = _run_dir(ws, result.out)
    config = json.loads((run / "config.json").read_text())
    assert config["config"]["full"] is True and config["total_steps"] == 6
    assert {"torch", "transformers", "peft", "python"} <= set(config["versions"])
    assert len(config["dataset"]["fingerprint"]) == 64
    assert set(config["truncated"]) >= {"sources", "targets"}
    metrics = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert metrics[0]["epoch"] == 0 and metrics[-1]["step"] == 6
    assert all(m["val_loss"] is not None for m in metrics)
    assert events.read_text() == (run / "events.jsonl").read_text()
    steps = [e for e in map(json.loads, events.read_text().splitlines()) if e["event"] == "step"]
    assert [e["step"] for e in steps] == [1, 2, 3, 4, 5, 6]
    assert {"epoch", "loss", "lr", "samples_per_s", "eta_s"} <= set(steps[0])
    assert (run / "model" / "model.safetensors").exists() and (run / "model" / "tokenizer.json").exists()
    listing = medsum("runs", "--workspace", ws)
    assert run.name in listing.out and "finished" in listing.out


def test_lora_is_the_default_and_saves_an_adapter(medsum, ws: str) -> None:
    result = medsum("train", "--workspace", ws, "--dataset", "notes", "--model", "tt", "--max-steps", "2",
                    "--lora-r", "4", *SHORT)
    assert result.code == 0, result.err
    run = _run_dir(ws, result.out)
    config = json.loads((run / "config.json").read_text())
    assert config["model"]["method"] == "lora"
    assert 0 < config["model"]["trainable_parameters"] < config["model"]["parameters"] / 5
    assert (run / "adapter" / "adapter_config.json").exists()
    assert not (run / "model").exists()


@pytest.mark.slow  # about 15 s on 2 shared cores
def test_without_a_terminal_train_prints_plain_progress_lines(medsum, ws: str) -> None:
    """Under ``nohup`` or a pipe (here: captured output) the progress is plain lines every 10 steps
    and at the last one, not a bar drawn once at the end."""
    result = medsum("train", "--workspace", ws, "--dataset", "notes", "--model", "tt", "--max-steps", "12",
                    "--lora-r", "4", *SHORT)
    assert result.code == 0, result.err
    assert "\r" not in result.out and "\x1b[" not in result.out
    progress = [line for line in result.out.splitlines() if line.startswith("step ")]
    assert [line.split()[1] for line in progress] == ["1/12", "11/12", "12/12"], result.out
    assert re.match(r"step 1/12 \(8%\) loss \d+\.\d{4} lr \S+ [\d.]+ samples/s eta \S+$", progress[0]), progress[0]
    assert progress[-1].startswith("step 12/12 (100%) loss ")


@pytest.mark.parametrize(("args", "message"), [
    (("--dataset", "nope", "--model", "tb"), "nope"),
    (("--dataset", "notes", "--model", "nope"), "nope"),
    (("--dataset", "notes"), "give --dataset and --model"),
    (("--dataset", "notes", "--model", "tb", "--target-modules", "no_such_layer"), "no_such_layer"),
    (("--resume", "20000101-000000-x-0000",), "no run"),
    (("--dataset", "notes", "--model", "tb", "--device", "tpu"), "--device"),
])
def test_bad_requests_fail_in_one_line(medsum, ws: str, args: tuple[str, ...], message: str) -> None:
    result = medsum("train", "--workspace", ws, *args, "--max-steps", "1", *SHORT)
    assert result.code != 0
    lines = [line for line in result.err.splitlines() if line.startswith("medsum: error:")]
    assert len(lines) == 1 and message in lines[0], result.err


def test_a_finished_run_cannot_be_resumed(medsum, ws: str) -> None:
    done = medsum("train", "--workspace", ws, "--dataset", "notes", "--model", "tb", "--full", "--max-steps", "1", *SHORT)
    run_id = _run_dir(ws, done.out).name
    result = medsum("train", "--workspace", ws, "--resume", run_id)
    assert result.code != 0 and "already finished" in result.err


@pytest.mark.slow
def test_kill_9_then_resume_finishes_the_planned_steps(medsum, ws: str, tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    total = 300
    run_id = train_then_kill(ws, ["--dataset", "notes", "--model", "tb", "--full", "--max-steps", str(total),
                                  "--checkpoint-every", "4", *SHORT], events, after_steps=10)
    listing = medsum("runs", "--workspace", ws)
    assert any(run_id in line and "killed" in line for line in listing.out.splitlines()), listing.out

    resumed = medsum("train", "--workspace", ws, "--resume", run_id)
    assert resumed.code == 0, resumed.err
    assert f"finished at step {total}/{total}" in resumed.out
    restart = [e for e in map(json.loads, (Path(ws) / "runs" / run_id / "events.jsonl").read_text().splitlines())
               if e["event"] == "start"]
    assert restart[-1]["resumed"] is True and restart[-1]["step"] >= 8 and restart[-1]["step"] % 4 == 0
    step = restart[-1]["step"]
    assert f"Resuming from checkpoint step {step} (checkpoints/step-{step:06d})" in resumed.out


def test_cuda_on_a_machine_without_it_fails_before_a_run_is_made(medsum, ws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    before = medsum("runs", "--workspace", ws).out
    result = medsum("train", "--workspace", ws, "--dataset", "notes", "--model", "tb", "--device", "cuda", *SHORT)
    assert result.code != 0 and "no CUDA device" in result.err
    assert medsum("runs", "--workspace", ws).out == before


def test_sigterm_stops_a_run_like_ctrl_c() -> None:
    """`kill PID` and the TUI's Cancel send SIGTERM: the train command turns it into the interrupt
    that settles the run, and puts the previous handler back afterwards."""
    import signal

    from medsum_tui.cli.train_cmd import _terminate_as_interrupt

    before = signal.getsignal(signal.SIGTERM)
    previous = _terminate_as_interrupt()
    try:
        assert previous == before
        with pytest.raises(KeyboardInterrupt):
            signal.getsignal(signal.SIGTERM)(signal.SIGTERM, None)  # type: ignore[operator]
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert signal.getsignal(signal.SIGTERM) == before
