"""The exit-code contract of every command (docs/cli.md, "Exit codes"): a usage error exits 2
with one ``medsum: error:`` line and no Rich box; a failed operation exits 1 with one line."""

from __future__ import annotations

from pathlib import Path

import pytest

BOX = ("╭", "│", "╰")

#: Per command, a command line with a usage error: an unknown option, a missing argument or
#: option, a bad option value, options that conflict. "{missing}" is a path that does not exist.
USAGE_ERRORS = {
    "medsum": ["frobnicate"],
    "init": ["init", "--bogus"],
    "doctor": ["doctor", "--bogus"],
    "demo": ["demo", "--n", "1"],
    "tui": ["tui", "--bogus"],
    "synth": ["synth", "--n", "3"],
    "deid": ["deid", "{missing}", "--out", "{missing}", "--strategy", "nope"],
    "deid-eval": ["deid-eval", "--gold", "{missing}"],
    "data check": ["data", "check"],
    "data import": ["data", "import", "{missing}"],
    "data list": ["data", "list", "extra"],
    "data show": ["data", "show"],
    "models list": ["models", "list", "--bogus"],
    "models import": ["models", "import", "{missing}"],
    "models verify": ["models", "verify"],
    "models sign": ["models", "sign"],
    "models init-tiny": ["models", "init-tiny", "--arch", "gpt2", "--name", "x"],
    "train": ["train"],
    "train --resume": ["train", "--resume", "r", "--dataset", "d"],
    "train --epochs": ["train", "--epochs", "many"],
    "runs": ["runs", "--bogus"],
    "eval": ["eval"],
    "summarize": ["summarize", "{missing}"],
    "summarize --run --model": ["summarize", "{missing}", "--run", "r", "--model", "m"],
    "budget": ["budget", "--bogus"],
    "budget reconcile": ["budget", "reconcile", "--bogus"],
    "audit verify": ["audit", "verify", "--bogus"],
}

#: Per command, a command line whose operation fails. "{ws}" is an initialized workspace,
#: "{bare}" a directory that is not one, "{file}" a regular file, "{missing}" an absent path.
FAILURES = {
    "init": ["init", "-w", "{file}"],
    "demo": ["demo", "-w", "{file}"],
    "doctor": ["doctor", "-w", "{loose}"],
    "synth": ["synth", "--out", "{missing}/r.jsonl"],
    "deid": ["deid", "{missing}", "--out", "{bare}/out.jsonl"],
    "deid-eval": ["deid-eval", "--input", "{missing}", "--gold", "{missing}"],
    "data check": ["data", "check", "{missing}"],
    "data import": ["data", "import", "{missing}", "--name", "x", "-w", "{ws}"],
    "data list": ["data", "list", "-w", "{bare}"],
    "data show": ["data", "show", "nope", "-w", "{ws}"],
    "models list": ["models", "list", "-w", "{bare}"],
    "models import": ["models", "import", "{missing}", "--name", "x", "-w", "{ws}"],
    "models verify": ["models", "verify", "nope", "-w", "{ws}"],
    "models sign": ["models", "sign", "nope", "-w", "{ws}"],
    "models init-tiny": ["models", "init-tiny", "--arch", "t5", "--name", "x", "--from-data", "nope", "-w", "{ws}"],
    "train": ["train", "--dataset", "nope", "--model", "nope", "-w", "{ws}"],
    "runs": ["runs", "-w", "{bare}"],
    "eval": ["eval", "nope", "-w", "{ws}"],
    "summarize": ["summarize", "{missing}", "--model", "nope", "-w", "{ws}"],
    "budget": ["budget", "-w", "{bare}"],
    "budget reconcile": ["budget", "reconcile", "-w", "{bare}"],
    "audit verify": ["audit", "verify", "-w", "{bare}"],
}


def _paths(tmp_path: Path, args: list[str], medsum) -> list[str]:
    """``args`` with the placeholders replaced (making only the paths the command line names)."""
    places = {"missing": tmp_path / "absent", "bare": tmp_path / "bare", "file": tmp_path / "file.txt",
              "ws": tmp_path / "ws", "loose": tmp_path / "loose"}
    line = " ".join(args)
    places["bare"].mkdir()
    places["file"].write_text("not a workspace\n")
    for name in ("ws", "loose"):
        if "{" + name + "}" in line:
            assert medsum("init", "-w", str(places[name])).code == 0
    if places["loose"].exists():
        places["loose"].chmod(0o755)  # doctor fails a workspace others can read
    return [arg.format(**places) for arg in args]


@pytest.mark.parametrize("args", USAGE_ERRORS.values(), ids=USAGE_ERRORS.keys())
def test_a_usage_error_exits_2_with_one_line(medsum, tmp_path: Path, args: list[str]) -> None:
    result = medsum(*_paths(tmp_path, args, medsum))
    assert result.code == 2, result.err
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("medsum: error: "), result.err
    assert result.out == "" and not any(box in result.err for box in BOX)


@pytest.mark.parametrize("args", FAILURES.values(), ids=FAILURES.keys())
def test_a_failed_operation_exits_1_with_one_error_line(medsum, tmp_path: Path, args: list[str]) -> None:
    result = medsum(*_paths(tmp_path, args, medsum))
    assert result.code == 1, result.out + result.err
    assert result.err.count("medsum: error: ") + result.out.count("[FAIL]") == 1, result.err
    assert not any(box in result.err + result.out for box in BOX)


@pytest.mark.parametrize("group", [[], ["data"], ["models"], ["audit"]], ids=lambda g: " ".join(["medsum", *g]))
def test_a_group_without_its_command_shows_help_and_exits_2(medsum, group: list[str]) -> None:
    result = medsum(*group)
    assert result.code == 2
    assert "Usage:" in result.out and result.err == f"medsum: error: missing command (see {' '.join(['medsum', *group])} --help)\n"


def test_an_unknown_option_names_the_command_help(medsum) -> None:
    result = medsum("train", "--bogus")
    assert result.err == "medsum: error: No such option: --bogus (see medsum train --help)\n"


def test_version_prints_the_package_version(medsum) -> None:
    from importlib.metadata import version

    result = medsum("--version")
    assert (result.code, result.out, result.err) == (0, f"medsum {version('medsum')}\n", "")


def test_quiet_drops_narration_but_not_results_or_errors(medsum, tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    assert "Workspace:" in medsum("init", "-w", ws).out
    assert medsum("-q", "init", "-w", ws).out == ""
    out = tmp_path / "r.jsonl"
    quiet = medsum("-q", "synth", "--n", "5", "--out", str(out), "-w", ws)
    assert (quiet.code, quiet.out) == (0, "") and len(out.read_text().splitlines()) == 5
    listed = medsum("-q", "data", "check", str(out), "-w", ws)
    assert listed.code == 0 and listed.out == ""  # no narration, nothing found
    bad = tmp_path / "bad.jsonl"
    bad.write_text(out.read_text() + "{not json\n")
    failed = medsum("-q", "data", "check", str(bad), "-w", ws)
    assert failed.code == 1 and "malformed JSON" in failed.out  # what the check found is its result
    assert "medsum: warning:" in failed.err
    assert medsum("-q", "data", "show", "nope", "-w", ws).err.startswith("medsum: error: ")
