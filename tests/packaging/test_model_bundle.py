"""``packaging/model-bundle``: export, verify and import model bundles, and refuse bad ones.

The script runs in this process (loaded with runpy, as ``main(argv)``), so the tiny model's
libraries load once; one test runs it as a real subprocess from another directory.
"""

from __future__ import annotations

import hashlib
import io
import json
import runpy
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from core.audit import audit_path, verify_audit
from core.models import import_model, init_tiny
from core.models.bundle import BUNDLE_MANIFEST, BundleError, import_bundle, verify_bundle
from core.models.tiny import synthetic_texts
from core.workspace import init_workspace, resolve_workspace
from medsum_tui.cli import main as medsum_main
from privacy.offline import install_network_guard
from tests.core.models.helpers import store_contents

SCRIPT = Path(__file__).resolve().parents[2] / "packaging" / "model-bundle"
Members = list[tuple[tarfile.TarInfo, bytes]]


@pytest.fixture(scope="module")
def bundle_main() -> Callable[[list[str]], int]:
    """The script's ``main(argv)``."""
    return runpy.run_path(str(SCRIPT))["main"]


@pytest.fixture
def run(bundle_main: Callable[[list[str]], int], capsys: pytest.CaptureFixture[str]):
    """Run ``model-bundle ARGS``; return (exit code, stdout, stderr)."""

    def _run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            code = bundle_main(list(args))
        finally:
            install_network_guard(enabled=True, source="test")  # the medsum CLI inside may have set it
        out, err = capsys.readouterr()
        return code, out, err

    return _run


def medsum(*args: str) -> int:
    """The ``medsum`` CLI, in this process."""
    try:
        return medsum_main(list(args))
    finally:
        install_network_guard(enabled=True, source="test")


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A read-only tiny BART checkpoint directory, as a user would export it (no manifest)."""
    base = tmp_path_factory.mktemp("bundle-checkpoint")
    scratch = base / "scratch"
    scratch.mkdir()
    entry = init_tiny(scratch, "bart", "src", synthetic_texts(40, seed=1), seed=1)
    dest = base / "tiny-bart"
    shutil.copytree(entry.path, dest, ignore=shutil.ignore_patterns("manifest.json", "manifest.mac"))
    return dest


@pytest.fixture(scope="module")
def good_bundle(checkpoint: Path, tmp_path_factory: pytest.TempPathFactory,
                bundle_main: Callable[[list[str]], int]) -> Path:
    """A bundle of the tiny checkpoint (read-only: rewrite it with ``rewrite`` to change it)."""
    out = tmp_path_factory.mktemp("bundles") / "tiny-bart.tar.gz"
    assert bundle_main(["export", str(checkpoint), str(out)]) == 0
    return out


def make_workspace(path: Path) -> Path:
    init_workspace(resolve_workspace(path))
    return path


def members(bundle: Path) -> Members:
    with tarfile.open(bundle, "r:gz") as tar:
        return [(m, tar.extractfile(m).read()) for m in tar.getmembers()]  # type: ignore[union-attr]


def write_bundle(path: Path, items: Members) -> Path:
    """A .tar.gz with exactly ``items``, headers as given (for bundles no exporter would write)."""
    with tarfile.open(path, "w:gz", compresslevel=1) as tar:
        for info, data in items:
            info.size = len(data) if info.isreg() else 0
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return path


def rewrite(src: Path, dst: Path, change: Callable[[Members], Members]) -> Path:
    return write_bundle(dst, change(members(src)))


def regular(name: str, data: bytes = b"x") -> tuple[tarfile.TarInfo, bytes]:
    return tarfile.TarInfo(name), data


def manifest_of(items: Members) -> dict:
    return json.loads(next(data for info, data in items if info.name == BUNDLE_MANIFEST))


def test_round_trip_into_a_fresh_workspace(run, good_bundle: Path, checkpoint: Path, tmp_path: Path) -> None:
    manifest = manifest_of(members(good_bundle))
    assert manifest["format"] == "medsum-model-bundle/1"
    assert manifest["exported"]["from"] == "directory" and manifest["exported"]["name"] == "tiny-bart"
    assert set(manifest["files"]) == {p.name for p in checkpoint.iterdir()}
    assert manifest["files"]["model.safetensors"]["size"] == (checkpoint / "model.safetensors").stat().st_size

    code, out, err = run("verify", str(good_bundle))
    assert (code, err) == (0, "") and f"{good_bundle}: OK, 5 files" in out
    assert f"Bundle SHA-256: {hashlib.sha256(good_bundle.read_bytes()).hexdigest()}" in out

    ws = make_workspace(tmp_path / "air-gapped")
    code, out, err = run("import", str(good_bundle), "--name", "carried", "--workspace", str(ws))
    assert code == 0, err
    assert "Imported carried: BartForConditionalGeneration" in out and "every file matches" in out
    assert store_contents(ws) == ["carried"]  # no temporary left behind
    assert medsum("models", "verify", "carried", "-w", str(ws)) == 0
    for name in manifest["files"]:
        assert (ws / "models" / "carried" / name).read_bytes() == (checkpoint / name).read_bytes()
    stored = json.loads((ws / "models" / "carried" / "manifest.json").read_text())
    assert stored["entry"]["source"] == "import:tiny-bart" and stored["files"] == manifest["files"]


def test_export_from_the_store_is_checked_and_audited(run, checkpoint: Path, tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    import_model(ws, checkpoint, "trained")
    out = tmp_path / "trained.tar.gz"
    code, stdout, err = run("export", "--model", "trained", "-w", str(ws), str(out))
    assert code == 0, err
    exported = manifest_of(members(out))["exported"]
    assert exported["from"] == "store" and exported["name"] == "trained" and exported["parameters"] > 0
    assert not any(isinstance(v, str) and str(tmp_path) in v for v in exported.values())  # no paths
    last = json.loads(audit_path(ws).read_text().splitlines()[-1])
    assert last["op"] == "models.export" and last["fields"]["model"] == "trained"
    assert last["fields"]["bundle_sha256"] in stdout and verify_audit(ws).ok

    with open(ws / "models" / "trained" / "model.safetensors", "r+b") as handle:
        handle.write(b"\0\0\0\0")
    code, _, err = run("export", "--model", "trained", "-w", str(ws), str(tmp_path / "tampered.tar.gz"))
    assert code == 1 and err.count("\n") == 1
    assert "model.safetensors: does not match its manifest" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["trained.tar.gz", "ws"]  # no partial file


def test_a_modified_file_is_refused_and_the_store_unchanged(run, good_bundle: Path, tmp_path: Path) -> None:
    def flip(items: Members) -> Members:
        out = []
        for info, data in items:
            if info.name == "model.safetensors":
                data = data[:-1] + bytes([data[-1] ^ 1])  # same size, one bit
            out.append((info, data))
        return out

    bad = rewrite(good_bundle, tmp_path / "bad.tar.gz", flip)
    ws = make_workspace(tmp_path / "ws")
    code, _, err = run("import", str(bad), "--name", "m", "-w", str(ws))
    assert code == 1 and err.count("\n") == 1
    assert err.startswith(f"model-bundle: error: {bad}: does not match its manifest: model.safetensors (changed)")
    assert store_contents(ws) == []
    assert run("verify", str(bad))[0] == 1


def test_an_extra_or_missing_file_is_refused(run, good_bundle: Path, tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    extra = rewrite(good_bundle, tmp_path / "extra.tar.gz", lambda items: [*items, regular("notes.txt")])
    code, _, err = run("import", str(extra), "--name", "m", "-w", str(ws))
    assert code == 1 and "notes.txt (extra)" in err and err.count("\n") == 1
    missing = rewrite(good_bundle, tmp_path / "missing.tar.gz",
                      lambda items: [(i, d) for i, d in items if i.name != "tokenizer.json"])
    assert "tokenizer.json (missing)" in run("import", str(missing), "--name", "m", "-w", str(ws))[2]
    assert store_contents(ws) == []


def test_a_dotdot_path_is_refused_before_anything_is_written(run, good_bundle: Path, tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    evil = rewrite(good_bundle, tmp_path / "evil.tar.gz", lambda items: [regular("../escaped.txt"), *items])
    code, _, err = run("import", str(evil), "--name", "m", "-w", str(ws))
    assert code == 1 and err.count("\n") == 1
    assert f"{evil}: member '../escaped.txt' points outside the bundle" in err
    assert store_contents(ws) == [] and not list(tmp_path.rglob("escaped.txt"))


def _link(name: str, kind: bytes, target: str = "") -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info, b""


@pytest.mark.parametrize(("member", "message"), [
    (regular("/etc/cron.d/x"), "is an absolute path"),
    (regular("sub/../../x"), "points outside the bundle"),
    (regular("sub/config.json"), "is not a top-level file name"),
    (_link("model.safetensors.link", tarfile.SYMTYPE, "/etc/passwd"), "is a symbolic link"),
    (_link("hard", tarfile.LNKTYPE, "config.json"), "is a hard link"),
    (_link("null", tarfile.CHRTYPE), "is a character device"),
    (_link("fifo", tarfile.FIFOTYPE), "is a FIFO"),
    (_link("weights", tarfile.DIRTYPE), "is a directory"),
], ids=["absolute", "dotdot-inside", "subdirectory", "symlink", "hardlink", "device", "fifo", "directory"])
def test_unsafe_members_are_refused(good_bundle: Path, tmp_path: Path, member, message: str) -> None:
    bad = rewrite(good_bundle, tmp_path / "bad.tar.gz", lambda items: [*items, member])
    with pytest.raises(BundleError, match=message):
        verify_bundle(bad)


@pytest.mark.parametrize("case", ["no-manifest", "duplicate", "not-gzip", "cut-short", "bad-format"])
def test_broken_bundles_are_refused(good_bundle: Path, tmp_path: Path, case: str) -> None:
    path = tmp_path / "broken.tar.gz"
    items = members(good_bundle)
    if case == "no-manifest":
        write_bundle(path, [(i, d) for i, d in items if i.name != BUNDLE_MANIFEST])
        expected = "no medsum-bundle.json in it"
    elif case == "duplicate":
        write_bundle(path, [*items, items[0]])
        expected = "appears twice"
    elif case == "not-gzip":
        path.write_bytes(b"PK\x03\x04 not a tarball")
        expected = "not a readable .tar.gz"
    elif case == "cut-short":
        path.write_bytes(good_bundle.read_bytes()[:100_000])
        expected = "damaged or cut short"
    else:
        manifest = manifest_of(items) | {"format": "medsum-model-bundle/9"}
        write_bundle(path, [(i, json.dumps(manifest).encode() if i.name == BUNDLE_MANIFEST else d) for i, d in items])
        expected = "format 'medsum-model-bundle/9'"
    with pytest.raises(BundleError, match=expected) as raised:
        verify_bundle(path)
    assert str(raised.value).startswith(str(path)) and "\n" not in str(raised.value)


def test_a_bundle_the_store_refuses_leaves_nothing(run, good_bundle: Path, tmp_path: Path) -> None:
    """A consistent bundle of a GPT-2 config passes verification; medsum models import refuses it."""

    def gpt2(items: Members) -> Members:
        config = json.dumps({"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"]}).encode()
        manifest = manifest_of(items)
        manifest["files"]["config.json"] = {"sha256": hashlib.sha256(config).hexdigest(), "size": len(config)}
        swap = {"config.json": config, BUNDLE_MANIFEST: json.dumps(manifest).encode()}
        return [(i, swap.get(i.name, d)) for i, d in items]

    bad = rewrite(good_bundle, tmp_path / "gpt2.tar.gz", gpt2)
    ws = make_workspace(tmp_path / "ws")
    code, _, err = run("import", str(bad), "--name", "g", "-w", str(ws))
    assert code == 1 and err.count("\n") == 1
    assert f"{bad}: medsum models import refused it:" in err and "'gpt2'" in err
    assert store_contents(ws) == []


def test_refusals_before_extraction(run, good_bundle: Path, checkpoint: Path, tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    code, _, err = run("import", str(good_bundle), "--name", "../x", "-w", str(ws))
    assert code == 2 and "invalid model name" in err
    (ws / "models" / "taken").mkdir()
    code, _, err = run("import", str(good_bundle), "--name", "taken", "-w", str(ws))
    assert code == 1 and "already exists" in err
    code, _, err = run("import", str(good_bundle), "--name", "m", "-w", str(tmp_path / "nowhere"))
    assert code == 1 and "run medsum init" in err
    code, _, err = run("export", str(checkpoint), str(good_bundle))
    assert code == 2 and "already exists" in err

    def fail(directory: Path) -> None:
        assert (directory / "model.safetensors").is_file()
        raise BundleError("register failed")

    with pytest.raises(BundleError, match="register failed"):
        import_bundle(good_bundle, root=ws, name="m", register=fail)
    assert store_contents(ws) == ["taken"]


def test_export_refuses_an_incomplete_checkpoint(run, checkpoint: Path, tmp_path: Path) -> None:
    partial = tmp_path / "partial"
    shutil.copytree(checkpoint, partial, ignore=shutil.ignore_patterns("*.safetensors"))
    code, _, err = run("export", str(partial), str(tmp_path / "p.tar.gz"))
    assert code == 1 and err.count("\n") == 1 and "no weights" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["partial"]
    assert run("export", str(checkpoint))[0] == 2  # usage: OUT missing


def test_script_runs_from_another_directory(good_bundle: Path, tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, str(SCRIPT), "verify", str(good_bundle)], check=False, cwd=tmp_path,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "OK, 5 files" in proc.stdout
