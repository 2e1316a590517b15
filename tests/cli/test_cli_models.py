"""``medsum models import | verify | list | init-tiny``, run in-process."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.conftest import Outcome
from tests.core.models.helpers import (
    build_checkpoints,
    copy_checkpoint,
    store_contents,
    write_config,
)

Run = Callable[..., Outcome]


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny BART and T5 checkpoint directories, built once for this module (copy before changing)."""
    return build_checkpoints(tmp_path_factory.mktemp("cli-checkpoints"))


@pytest.fixture
def ws(medsum: Run, workspace_dir: Path) -> str:
    """An initialized workspace."""
    assert medsum("init", "-w", str(workspace_dir)).code == 0
    return str(workspace_dir)


def test_import_list_verify(medsum: Run, ws: str, checkpoints: dict[str, Path]) -> None:
    result = medsum("models", "import", str(checkpoints["bart"]), "--name", "bart-1", "-w", ws)
    assert result.code == 0, result.err
    assert "Imported bart-1: BartForConditionalGeneration" in result.out and "parameters" in result.out
    assert medsum("models", "import", str(checkpoints["t5"]), "--name", "t5-1", "-w", ws).code == 0

    listed = medsum("models", "list", "-w", ws)
    assert listed.code == 0
    lines = listed.out.splitlines()
    assert lines[0].split() == ["name", "architecture", "params", "size", "source", "pickle"]
    assert lines[1].split()[:2] == ["bart-1", "BartForConditionalGeneration"]
    assert lines[1].split()[-2:] == ["import:bart-checkpoint", "no"]
    assert lines[2].startswith("t5-1") and "MB" in lines[2]

    ok = medsum("models", "verify", "bart-1", "-w", ws)
    assert (ok.code, ok.out.strip()) == (0, "bart-1: OK")
    with open(Path(ws) / "models" / "bart-1" / "model.safetensors", "ab") as handle:
        handle.write(b"x")
    bad = medsum("models", "verify", "bart-1", "-w", ws)
    assert bad.code == 1
    assert "bart-1: changed: model.safetensors" in bad.out
    assert bad.err.count("\n") == 1 and "does not match its manifest" in bad.err


def test_import_refusals_are_one_line(medsum: Run, ws: str, checkpoints: dict[str, Path], tmp_path: Path) -> None:
    gpt2 = write_config(tmp_path / "gpt2", model_type="gpt2", architectures=["GPT2LMHeadModel"])
    result = medsum("models", "import", str(gpt2), "--name", "g", "-w", ws)
    assert result.code == 1 and result.out == ""
    assert result.err.count("\n") == 1 and "config.json" in result.err and "'gpt2'" in result.err
    assert "seq2seq" in result.err

    pickled = copy_checkpoint(checkpoints["t5"], tmp_path / "pickled")
    (pickled / "model.safetensors").rename(pickled / "pytorch_model.bin")
    refused = medsum("models", "import", str(pickled), "--name", "p", "-w", ws)
    assert refused.code == 1 and "--allow-pickle" in refused.err

    bad_name = medsum("models", "import", str(checkpoints["t5"]), "--name", "../x", "-w", ws)
    assert bad_name.code == 2 and "invalid model name" in bad_name.err
    assert medsum("models", "import", str(checkpoints["t5"]), "--name", "t", "-w", ws).code == 0
    dup = medsum("models", "import", str(checkpoints["bart"]), "--name", "t", "-w", ws)
    assert dup.code == 1 and "already exists" in dup.err  # the store's state, not a usage error
    assert store_contents(Path(ws)) == ["t"]
    assert medsum("models", "verify", "nope", "-w", ws).code == 1


def test_pickle_flag_is_listed(medsum: Run, ws: str, checkpoints: dict[str, Path], tmp_path: Path) -> None:
    import torch
    from safetensors.torch import load_file

    pickled = copy_checkpoint(checkpoints["t5"], tmp_path / "pickled")
    torch.save(load_file(pickled / "model.safetensors"), pickled / "pytorch_model.bin")
    (pickled / "model.safetensors").unlink()
    result = medsum("models", "import", str(pickled), "--name", "p", "--allow-pickle", "-w", ws)
    assert result.code == 0, result.err
    assert "pickle weights allowed" in result.out
    row = medsum("models", "list", "-w", ws).out.splitlines()[1].split()
    assert row[0] == "p" and row[-1] == "yes"


def test_empty_list_and_uninitialized_workspace(medsum: Run, ws: str, tmp_path: Path) -> None:
    assert "No models in the store" in medsum("models", "list", "-w", ws).out
    missing = medsum("models", "list", "-w", str(tmp_path / "not-a-workspace"))
    assert missing.code == 1 and "run medsum init" in missing.err


def test_init_tiny(medsum: Run, ws: str) -> None:
    result = medsum("models", "init-tiny", "--arch", "t5", "--name", "tiny", "--seed", "2", "-w", ws)
    assert result.code == 0, result.err
    assert "Built tiny: T5ForConditionalGeneration" in result.out and "synthetic records" in result.out
    assert "init-tiny" in medsum("models", "list", "-w", ws).out
    assert medsum("models", "verify", "tiny", "-w", ws).code == 0
    bad = medsum("models", "init-tiny", "--arch", "gpt2", "--name", "x", "-w", ws)
    assert bad.code == 2 and "use bart or t5" in bad.err  # a bad option value: a usage error


def test_init_tiny_from_data(medsum: Run, ws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import core.datasets

    calls: list[tuple[Path, str]] = []

    def fake_load_splits(root: Path, name: str) -> dict:
        calls.append((Path(root), name))
        return {"train": {"source": ["history: fever and cough"] * 10, "target": ["Fever and cough."] * 10}}

    monkeypatch.setattr(core.datasets, "load_splits", fake_load_splits, raising=False)
    result = medsum("models", "init-tiny", "--arch", "bart", "--name", "b", "--from-data", "notes", "-w", ws)
    assert result.code == 0, result.err
    assert calls == [(Path(ws), "notes")] and "dataset notes" in result.out


@pytest.mark.slow  # de-identifies and stores a dataset first (loads the datasets library)
def test_init_tiny_from_a_stored_dataset(medsum: Run, ws: str, tmp_path: Path) -> None:
    records = tmp_path / "records.jsonl"
    assert medsum("synth", "--out", str(records), "--n", "40", "--seed", "5").code == 0
    imported = medsum("data", "import", str(records), "--name", "notes", "--strategy", "redact", "-w", ws)
    assert imported.code == 0, imported.err
    result = medsum("models", "init-tiny", "--arch", "t5", "--name", "from-notes", "--from-data", "notes", "-w", ws)
    assert result.code == 0, result.err
    assert "dataset notes" in result.out
    missing = medsum("models", "init-tiny", "--arch", "t5", "--name", "x", "--from-data", "absent", "-w", ws)
    assert missing.code != 0 and missing.err.count("\n") == 1
