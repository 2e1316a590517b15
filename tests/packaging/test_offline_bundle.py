"""``packaging/build-offline-bundle`` and the ``install.sh`` it writes.

The pieces (hashed requirements, SHA256SUMS, manifest, torch-flavour check, install.sh's
refusals and its upgrade in place) are tested on small bundles made here from a fake one-module
``medsum`` wheel, with no index. The slow tests build the real bundle (CPU torch from pip's
configured indexes), install it into a fresh virtual environment with no index access and run
the installed ``medsum doctor`` and ``medsum demo --quick``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import platform
import re
import runpy
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "packaging" / "build-offline-bundle"
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
#: pip on the installing side sees nothing of this machine's pip configuration.
NO_INDEX_ENV = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": "", "PIP_CONFIG_FILE": "/dev/null"}


@pytest.fixture(scope="module")
def builder() -> dict[str, Any]:
    """The builder script's namespace (its functions and classes)."""
    return runpy.run_path(str(SCRIPT))


def make_wheel(directory: Path, name: str, version: str, *, requires: tuple[str, ...] = (),
               console_script: str | None = None) -> Path:
    """A minimal pure-Python wheel with one module ``<name>_mod`` (and a console script if asked)."""
    dist_info = f"{name}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(
        f"Requires-Dist: {r}\n" for r in requires)
    files = {
        f"{name}_mod.py": "import sys\n\ndef main():\n    print('fake ' + ' '.join(sys.argv[1:]))\n    return 0\n",
        f"{dist_info}/METADATA": metadata,
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    if console_script:
        files[f"{dist_info}/entry_points.txt"] = f"[console_scripts]\n{console_script} = {name}_mod:main\n"
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    files[f"{dist_info}/RECORD"] = "\n".join([*record, f"{dist_info}/RECORD,,"]) + "\n"
    wheel = directory / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


@pytest.fixture
def fake_bundle(builder: dict[str, Any], tmp_path: Path) -> Callable[..., Path]:
    """Make a bundle like the real one around a fake ``medsum`` wheel (console script ``medsum``)."""

    def _make(*, python_version: str = PYTHON, version: str = "0.1.0", name: str = "bundle",
              arch: str = platform.machine(), glibc: str | None = None) -> Path:
        bundle = tmp_path / name
        wheelhouse = bundle / "wheelhouse"
        wheelhouse.mkdir(parents=True)
        make_wheel(wheelhouse, "medsum", version, requires=("helper==1.0",), console_script="medsum")
        make_wheel(wheelhouse, "helper", "1.0")
        packages = builder["write_requirements"](wheelhouse, bundle / "requirements.txt")
        script = builder["render_install_script"](name=name, medsum_version=version, python_version=python_version,
                                                  arch=arch, glibc=glibc, torch_version="none")
        (bundle / "install.sh").write_text(script)
        (bundle / "install.sh").chmod(0o755)
        (bundle / "manifest.json").write_text(json.dumps({"packages": packages}))
        builder["write_sha256sums"](bundle)
        return bundle

    return _make


def install(bundle: Path, venv: Path, bin_dir: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the bundle's install.sh with no index access, from another directory."""
    return subprocess.run(
        ["bash", str(bundle / "install.sh"), "--venv", str(venv), "--bin-dir", str(bin_dir), "--python", sys.executable,
         *args],
        cwd=venv.parent, env={**os.environ, **NO_INDEX_ENV}, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=timeout, check=False)


def one_line_error(proc: subprocess.CompletedProcess[str], code: int = 1) -> str:
    """The single stderr line of a refused install (checked to be exactly one)."""
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("install.sh: error: "), proc.stderr
    return proc.stderr


# -- the pieces ---------------------------------------------------------------------------------------


def test_requirements_pin_and_hash_every_wheel_and_pip_installs_them(builder: dict[str, Any], tmp_path: Path) -> None:
    wheelhouse = tmp_path / "wheelhouse"
    wheelhouse.mkdir()
    wheels = [make_wheel(wheelhouse, "Some_Pkg", "2.0"), make_wheel(wheelhouse, "other.pkg", "1.4", requires=("some-pkg",))]
    packages = builder["write_requirements"](wheelhouse, tmp_path / "requirements.txt")
    assert packages == {"other-pkg": "1.4", "some-pkg": "2.0"}
    text = (tmp_path / "requirements.txt").read_text()
    for wheel in wheels:
        assert f"--hash=sha256:{hashlib.sha256(wheel.read_bytes()).hexdigest()}" in text
    assert "other-pkg==1.4 \\\n    --hash=sha256:" in text and "some-pkg==2.0 \\\n" in text
    pip = [sys.executable, "-m", "pip", "install", "--no-index", "--find-links", str(wheelhouse), "--require-hashes",
           "--target", str(tmp_path / "t"), "-r", str(tmp_path / "requirements.txt")]
    env = {**os.environ, **NO_INDEX_ENV, "PIP_CONSTRAINT": ""}
    assert subprocess.run(pip, env=env, capture_output=True, check=False).returncode == 0
    assert (tmp_path / "t" / "other.pkg_mod.py").exists()
    wheels[0].write_bytes(wheels[0].read_bytes() + b"\0")  # a wheel changed after hashing: pip refuses it
    refused = subprocess.run(pip, env=env, capture_output=True, text=True, check=False)
    assert refused.returncode != 0 and "HASH" in refused.stderr.upper()


def test_requirements_refuse_two_versions_of_one_package(builder: dict[str, Any], tmp_path: Path) -> None:
    make_wheel(tmp_path, "pkg", "1.0")
    make_wheel(tmp_path, "pkg", "1.1")
    with pytest.raises(builder["BuildError"], match=r"two wheels of pkg \(1.0, 1.1\)"):
        builder["write_requirements"](tmp_path, tmp_path / "requirements.txt")


def test_sha256sums_cover_every_file_but_themselves(builder: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "wheelhouse").mkdir()
    (tmp_path / "wheelhouse" / "a.whl").write_bytes(b"a")
    (tmp_path / "install.sh").write_text("#!/bin/sh\n")
    builder["write_sha256sums"](tmp_path)
    lines = (tmp_path / "SHA256SUMS").read_text().splitlines()
    assert [line.split("  ")[1] for line in lines] == ["install.sh", "wheelhouse/a.whl"]
    assert lines[1].split("  ")[0] == hashlib.sha256(b"a").hexdigest()
    check = ["sha256sum", "--check", "--strict", "SHA256SUMS"]
    assert subprocess.run(check, cwd=tmp_path, capture_output=True, check=False).returncode == 0
    (tmp_path / "wheelhouse" / "a.whl").write_bytes(b"b")
    assert subprocess.run(check, cwd=tmp_path, capture_output=True, check=False).returncode == 1


def test_manifest_names_target_torch_versions_and_build(builder: dict[str, Any]) -> None:
    target = builder["Target"]("3.11", "manylinux_2_28_x86_64")
    choice = builder["TorchChoice"]("cpu", "2.13.0", None)
    manifest = builder["make_manifest"](
        name="medsum-offline-0.1.0-py3.11-manylinux_2_28_x86_64-cpu", medsum_version="0.1.0", target=target,
        choice=choice, torch_wheel="torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl",
        packages={"medsum": "0.1.0", "torch": "2.13.0+cpu"}, glibc="2.28", pip_version="26.3")
    manifest = json.loads(json.dumps(manifest))
    assert manifest["format"] == "medsum-offline-bundle/1" and manifest["medsum_version"] == "0.1.0"
    assert manifest["target"]["python"] == "3.11" and manifest["target"]["platform"] == "manylinux_2_28_x86_64"
    assert manifest["target"]["arch"] == "x86_64" and manifest["target"]["min_glibc"] == "2.28"
    assert manifest["torch"] == {"flavour": "cpu", "version": "2.13.0+cpu", "index": "pip's configured indexes",
                                 "wheel": "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl"}
    assert manifest["packages"]["torch"] == "2.13.0+cpu"
    assert manifest["built_at"].endswith("+00:00") and manifest["built_on"]["pip"] == "26.3"


def test_target_flags_and_names(builder: dict[str, Any]) -> None:
    target = builder["Target"]("3.12", "manylinux_2_28_x86_64")
    flags = target.pip_flags()
    assert flags[:6] == ["--python-version", "3.12", "--implementation", "cp", "--abi", "cp312"]
    platforms = flags[7::2]
    assert platforms[0] == "manylinux_2_28_x86_64" and "manylinux_2_17_x86_64" in platforms
    assert {"manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64"} <= set(platforms)
    assert "manylinux_2_29_x86_64" not in platforms
    assert builder["platform_tags"]("manylinux_2_17_aarch64")[-1] == "manylinux2014_aarch64"
    assert builder["Target"](PYTHON, None).pip_flags() == []  # this machine: pip resolves as usual
    assert builder["bundle_name"]("0.1.0", target, "cuda") == "medsum-offline-0.1.0-py3.12-manylinux_2_28_x86_64-cuda"
    assert builder["min_glibc"](["a-1-py3-none-any.whl", "b-1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                                 "c-1-cp311-abi3-manylinux_2_34_x86_64.whl"]) == "2.34"
    assert builder["min_glibc"](["a-1-py3-none-any.whl"]) is None
    assert builder["TorchChoice"]("cpu", "2.13.0", None).requirements(target) == ["torch==2.13.0+cpu"]
    assert builder["TorchChoice"]("cuda", "2.13.0", None).requirements(target) == ["torch==2.13.0",
                                                                                   "torch!=2.13.0+cpu"]


@pytest.mark.parametrize(("flavour", "version", "requires", "platform_tag", "ok"), [
    ("cpu", "2.13.0+cpu", ["filelock"], "manylinux_2_28_x86_64", True),
    ("cpu", "2.13.0", ["filelock"], "manylinux_2_28_x86_64", False),  # PyPI's Linux wheel is not the CPU build
    ("cpu", "2.13.0", ['nvidia-cublas==13.1; platform_system == "Linux"'], "manylinux_2_28_x86_64", False),
    ("cpu", "2.13.0", ["filelock"], "macosx_11_0_arm64", True),
    ("cuda", "2.13.0", ['nvidia-cublas==13.1; platform_system == "Linux"'], "manylinux_2_28_x86_64", True),
    ("cuda", "2.13.0+cu126", [], "manylinux_2_28_x86_64", True),
    ("cuda", "2.13.0+cpu", [], "manylinux_2_28_x86_64", False),
    ("cuda", "2.13.0", ["filelock"], "manylinux_2_28_x86_64", False),
])
def test_torch_flavour_check(builder: dict[str, Any], flavour: str, version: str, requires: list[str],
                             platform_tag: str, ok: bool) -> None:
    target = builder["Target"]("3.11", platform_tag)
    check = builder["check_torch_flavour"]
    if ok:
        check(f"torch-{version}-x.whl", version, requires, flavour, target)
    else:
        with pytest.raises(builder["BuildError"], match=re.escape(f"torch-{version}-x.whl is not a {flavour.upper()} build")):
            check(f"torch-{version}-x.whl", version, requires, flavour, target)


def test_download_torch_refuses_a_wheel_of_the_wrong_flavour(builder: dict[str, Any], tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A torch wheel with no CUDA dependencies, found where a CUDA build was asked for."""
    links = tmp_path / "links"
    links.mkdir()
    make_wheel(links, "torch", "2.13.0", requires=("filelock",))
    for key, value in {**NO_INDEX_ENV, "PIP_FIND_LINKS": str(links), "PIP_CONSTRAINT": ""}.items():
        monkeypatch.setenv(key, value)
    pip = builder["Pip"](tmp_path / "build.log")
    target = builder["Target"](PYTHON, None)
    choice = builder["TorchChoice"]("cuda", "2.13.0", None)
    dest = tmp_path / "dest"
    with pytest.raises(builder["BuildError"], match=r"^torch-2.13.0-py3-none-any.whl is not a CUDA build of torch "
                                                    r"\(version 2.13.0, no nvidia-\* dependencies"):
        builder["download_torch"](pip, choice, target, dest)
    assert "$ " in (tmp_path / "build.log").read_text()  # the pip command and its output are logged


def test_builder_usage_errors(builder: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["--python-version", "311"], ["--torch", "rocm"], ["--torch-version", "2.13.0+cpu"]):
        with pytest.raises(SystemExit) as exit_info:
            builder["main"](args)
        assert exit_info.value.code == 2
    assert "--torch picks the build" in capsys.readouterr().err


# -- install.sh on a small bundle ----------------------------------------------------------------------


@pytest.mark.slow
def test_install_sh_installs_links_and_upgrades_in_place(fake_bundle: Callable[..., Path], tmp_path: Path) -> None:
    bundle = fake_bundle()
    venv, bin_dir = tmp_path / "venv", tmp_path / "bin"
    first = install(bundle, venv, bin_dir)
    assert first.returncode == 0, first.stdout + first.stderr
    assert f"installed MedSum 0.1.0 (torch none, Python {PYTHON}) in {venv}" in first.stdout
    assert f"linked {bin_dir}/medsum -> {venv}/bin/medsum" in first.stdout
    assert (bin_dir / "medsum").resolve() == (venv / "bin" / "medsum").resolve()
    ran = subprocess.run([str(bin_dir / "medsum"), "doctor"], capture_output=True, text=True, check=True)
    assert ran.stdout == "fake doctor\n"
    assert (venv / ".medsum-offline-bundle").read_text() == "bundle\n"
    again = install(bundle, venv, bin_dir)  # running it again upgrades the same environment in place
    assert again.returncode == 0 and f"upgraded MedSum 0.1.0 (torch none, Python {PYTHON}) in {venv}" in again.stdout
    newer = fake_bundle(version="0.2.0", name="bundle2")
    upgraded = install(newer, venv, bin_dir)
    assert upgraded.returncode == 0 and "upgraded MedSum 0.2.0" in upgraded.stdout
    assert "Successfully installed medsum-0.2.0" in (venv / "medsum-install.log").read_text()
    fresh = install(newer, venv, bin_dir, "--reinstall", "--no-link")
    assert fresh.returncode == 0 and "reinstalled MedSum 0.2.0" in fresh.stdout and "linked" not in fresh.stdout


def test_install_sh_refuses_a_tampered_bundle(fake_bundle: Callable[..., Path], tmp_path: Path) -> None:
    bundle = fake_bundle()
    wheel = bundle / "wheelhouse" / "helper-1.0-py3-none-any.whl"
    wheel.write_bytes(wheel.read_bytes() + b"\0")
    error = one_line_error(install(bundle, tmp_path / "venv", tmp_path / "bin"))
    assert "do not match SHA256SUMS" in error and "wheelhouse/helper-1.0-py3-none-any.whl" in error
    assert not (tmp_path / "venv").exists()


def test_install_sh_refuses_a_wheel_not_in_sha256sums(fake_bundle: Callable[..., Path], tmp_path: Path) -> None:
    bundle = fake_bundle()
    make_wheel(bundle / "wheelhouse", "intruder", "1.0")
    error = one_line_error(install(bundle, tmp_path / "venv", tmp_path / "bin"))
    assert "files not in SHA256SUMS: wheelhouse/intruder-1.0-py3-none-any.whl" in error


def test_install_sh_refuses_the_wrong_python(fake_bundle: Callable[..., Path], tmp_path: Path) -> None:
    bundle = fake_bundle(python_version="3.99")
    error = one_line_error(install(bundle, tmp_path / "venv", tmp_path / "bin"))
    assert f"this bundle is for Python 3.99, but {sys.executable} is Python {PYTHON}" in error
    assert not (tmp_path / "venv").exists()


def test_install_sh_refuses_another_cpu_or_an_older_glibc(fake_bundle: Callable[..., Path], tmp_path: Path) -> None:
    error = one_line_error(install(fake_bundle(arch="riscv64", name="a"), tmp_path / "venv", tmp_path / "bin"))
    assert f"this bundle is for riscv64 machines; this one is {platform.machine()}" in error
    glibc = os.confstr("CS_GNU_LIBC_VERSION").split()[1]
    error = one_line_error(install(fake_bundle(glibc="2.999", name="b"), tmp_path / "venv", tmp_path / "bin"))
    assert f"needs glibc 2.999 or newer; this machine has {glibc}: build one for it with --platform " \
           f"manylinux_2_{glibc.split('.')[1]}_{platform.machine()}" in error
    assert not (tmp_path / "venv").exists()


def test_install_sh_refuses_what_it_did_not_make(fake_bundle: Callable[..., Path], tmp_path: Path) -> None:
    bundle = fake_bundle()
    venv, bin_dir = tmp_path / "venv", tmp_path / "bin"
    venv.mkdir()
    (venv / "data.txt").write_text("someone else's")
    assert "exists and was not made by this installer" in one_line_error(install(bundle, venv, bin_dir))
    (venv / "data.txt").unlink()
    bin_dir.mkdir()
    (bin_dir / "medsum").write_text("#!/bin/sh\n")
    assert "medsum exists and is not a symlink" in one_line_error(install(bundle, venv, bin_dir))
    assert one_line_error(install(bundle, venv, bin_dir, "--bogus"), code=2).endswith("(see --help)\n")


# -- the real bundle -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """Build the bundle for this machine with CPU torch from pip's configured indexes, once; return
    the builder's JSON result and the extracted bundle."""
    out = tmp_path_factory.mktemp("offline-bundle")
    proc = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out), "--torch", "cpu", "--torch-index", ""],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=540, check=False)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    with tarfile.open(result["bundle"]) as tar:
        tar.extractall(out, filter="data")
    return result, out / Path(result["bundle"]).name.removesuffix(".tar.gz")


@pytest.mark.slow
def test_real_bundle_holds_every_wheel_hashed_with_sbom_and_manifest(real_bundle: tuple[dict[str, Any], Path]) -> None:
    result, bundle = real_bundle
    name = f"medsum-offline-0.1.0-py{PYTHON}-{result['platform']}-cpu"
    assert Path(result["bundle"]).name == f"{name}.tar.gz" and bundle.name == name
    assert result["torch"].endswith("+cpu") and result["size_bytes"] > 100e6
    tarball = Path(result["bundle"])
    assert Path(f"{tarball}.sha256").read_text() == f"{hashlib.sha256(tarball.read_bytes()).hexdigest()}  {tarball.name}\n"
    assert subprocess.run(["sha256sum", "--check", "--strict", "--quiet", "SHA256SUMS"], cwd=bundle,
                          check=False).returncode == 0
    wheels = sorted(p.name for p in (bundle / "wheelhouse").iterdir())
    assert len(wheels) == result["wheels"] and all(w.endswith(".whl") for w in wheels)
    assert any(w.startswith("medsum-0.1.0-py3-none-any") for w in wheels)
    assert any(w.startswith("rouge_score-") for w in wheels)  # published only as source: built here
    requirements = [line for line in (bundle / "requirements.txt").read_text().splitlines() if "==" in line]
    assert len(requirements) == len(wheels) and all(line.endswith(" \\") for line in requirements)
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["torch"]["flavour"] == "cpu" and manifest["torch"]["version"] == result["torch"]
    assert manifest["target"]["python"] == PYTHON and len(manifest["packages"]) == len(wheels)
    sbom = json.loads((bundle / "sbom.cdx.json").read_text())
    assert sbom["bomFormat"] == "CycloneDX" and sbom["metadata"]["component"]["name"] == "medsum"
    assert {c["name"].lower() for c in sbom["components"]} >= {"torch", "transformers", "rouge-score"}
    assert len(sbom["components"]) == len(wheels) - 1  # every wheel but MedSum's, the root component


@pytest.mark.slow
def test_real_bundle_installs_with_no_index_and_runs_the_quick_demo(real_bundle: tuple[dict[str, Any], Path],
                                                                    tmp_path: Path) -> None:
    _, bundle = real_bundle
    venv, bin_dir = tmp_path / "venv", tmp_path / "bin"
    installed = install(bundle, venv, bin_dir, timeout=420)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert "Looking in links: " + str(bundle / "wheelhouse") in (venv / "medsum-install.log").read_text()
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import core, torch; print(core.__file__, torch.__version__)"],
                           capture_output=True, text=True, check=True, cwd=tmp_path)
    assert where.stdout.startswith(str(venv)) and where.stdout.strip().endswith("+cpu")
    # One torch thread: on a busy 2-core machine two threads make the tiny model many times slower.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(MEDSUM_HOME=str(tmp_path / "ws"), MEDSUM_KEYRING="cryptfile", MEDSUM_KEYRING_PASSPHRASE="test",
               OMP_NUM_THREADS="1")
    doctor = subprocess.run([str(bin_dir / "medsum"), "doctor"], capture_output=True, text=True, env=env, cwd=tmp_path,
                            stdin=subprocess.DEVNULL, timeout=120, check=False)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "[ok  ] torch: torch 2.13.0+cpu" in doctor.stdout and "FAIL" not in doctor.stdout
    demo = subprocess.run([str(bin_dir / "medsum"), "demo", "--quick", "--workspace", str(tmp_path / "ws")],
                          capture_output=True, text=True, env=env, cwd=tmp_path, stdin=subprocess.DEVNULL, timeout=300,
                          check=False)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "finished, 32 steps" in demo.stdout and "Demo complete." in demo.stdout
    # The model-bundle command comes with the install: carry the demo's model out of it.
    carried = tmp_path / "demo-model.tar.gz"
    export = subprocess.run([str(bin_dir / "medsum-model-bundle"), "export", "--model", "demo-tiny-t5", "--workspace",
                             str(tmp_path / "ws"), str(carried)], capture_output=True, text=True, env=env, cwd=tmp_path,
                            stdin=subprocess.DEVNULL, timeout=120, check=False)
    assert export.returncode == 0, export.stdout + export.stderr
    assert carried.is_file() and "Bundle SHA-256: " in export.stdout


@pytest.mark.slow
@pytest.mark.parametrize(("flavour", "torch"), [("cpu", "2.13.0+cpu"), ("cuda", "2.13.0")])
def test_dry_run_resolves_torch_for_a_foreign_platform(flavour: str, torch: str, tmp_path: Path) -> None:
    """Resolve (not download) torch for manylinux_2_28_x86_64: CPU from pip's configured indexes,
    CUDA from PyPI (its metadata names the nvidia-* wheels)."""
    proc = subprocess.run([sys.executable, str(SCRIPT), "--dry-run", "--out", str(tmp_path), "--torch", flavour,
                           "--torch-index", "", "--platform", "manylinux_2_28_x86_64", "--python-version", "3.11"],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["torch"] == torch and result["url"].endswith("-cp311-cp311-manylinux_2_28_x86_64.whl")


def test_source_copy_leaves_out_build_outputs_and_the_output_directory(builder: dict[str, Any],
                                                                      tmp_path: Path) -> None:
    source = tmp_path / "src"
    for path in ("pyproject.toml", "core/build/keep.py", "core/__pycache__/x.pyc", "build/lib/stale.py",
                 ".venv/bin/python", "dist/x.whl", "bundles/partial", "m.egg-info/PKG-INFO"):
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        (source / path).write_text("x")
    copy = builder["copy_source"](source, tmp_path / "copy", source / "bundles")
    assert sorted(p.relative_to(copy).as_posix() for p in copy.rglob("*") if p.is_file()) == [
        "core/build/keep.py", "pyproject.toml"]
    with pytest.raises(builder["BuildError"], match="no pyproject.toml"):
        builder["copy_source"](source / "core", tmp_path / "copy2", tmp_path)


def test_tarball_members_are_owned_by_root(builder: dict[str, Any], tmp_path: Path) -> None:
    bundle = tmp_path / "b"
    bundle.mkdir()
    (bundle / "x").write_text("x")
    builder["make_tarball"](bundle, tmp_path / "b.tar.gz")
    with tarfile.open(tmp_path / "b.tar.gz") as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == ["b", "b/x"] and {(m.uid, m.gid, m.uname) for m in members} == {(0, 0, "root")}
    assert not (tmp_path / "b.tar.gz.part").exists()
