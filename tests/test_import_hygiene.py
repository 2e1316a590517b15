"""Dependency direction: core and privacy never import Textual; privacy never imports core;
importing core puts Hugging Face in offline mode before any HF library loads."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _modules_after(code: str) -> dict:
    script = (
        "import json, os, pkgutil, importlib, sys\n"
        + code
        + "\nprint(json.dumps({'modules': sorted(sys.modules), 'env': dict(os.environ)}))"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.splitlines()[-1])


def _import_all(package: str) -> str:
    return (
        f"import {package}\n"
        f"for m in pkgutil.walk_packages({package}.__path__, '{package}.'):\n"
        "    importlib.import_module(m.name)\n"
    )


def test_core_and_privacy_import_no_textual() -> None:
    result = _modules_after(_import_all("core") + _import_all("privacy"))
    assert "core.records.loader" in result["modules"]  # the walk really imported submodules
    assert not [m for m in result["modules"] if m == "textual" or m.startswith("textual.")]


def test_privacy_imports_nothing_from_core() -> None:
    result = _modules_after(_import_all("privacy"))
    assert "privacy.offline" in result["modules"]
    assert not [m for m in result["modules"] if m == "core" or m.startswith("core.")]


def test_privacy_sources_never_name_core() -> None:
    for path in (ROOT / "privacy").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                assert not any(a.name.split(".")[0] in ("core", "medsum_tui") for a in node.names), path
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module.split(".")[0] not in ("core", "medsum_tui"), path


def test_importing_core_sets_offline_mode_before_hf_loads() -> None:
    code = (
        "import core\n"
        "assert 'huggingface_hub' not in sys.modules\n"
        "import huggingface_hub.constants as c\n"
        "assert c.HF_HUB_OFFLINE, 'hub not offline'\n"
    )
    env = _modules_after(code)["env"]
    for name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "HF_EVALUATE_OFFLINE", "HF_HUB_DISABLE_TELEMETRY",
                 "DO_NOT_TRACK", "HF_HUB_DISABLE_UPDATE_CHECK"):
        assert env[name] == "1", name


HEAVY = ("torch", "transformers", "peft", "datasets", "opacus")


def test_the_tui_path_imports_no_ml_library_before_the_first_screen(tmp_path: Path) -> None:
    """``medsum tui`` shows its first screen without torch and friends: the CLI, the app, its
    backend and the dashboard's doctor checks leave them to the preload after the first paint."""
    code = (
        "import contextlib, io\n"
        "from pathlib import Path\n"
        "import medsum_tui.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert medsum_tui.cli.main(['tui', '--help']) == 0\n"
        "import medsum_tui.cli.tui_cmd, medsum_tui.tui.app\n"
        "from medsum_tui.tui.local import LocalBackend\n"
        "from core.doctor import run_checks\n"
        "from core.workspace import resolve_workspace\n"
        f"location = resolve_workspace(Path({str(tmp_path / 'ws')!r}))\n"
        "LocalBackend(location)\n"
        "assert [c for c in run_checks(location, load_torch=False) if c.name == 'torch']\n"
    )
    modules = _modules_after(code)["modules"]
    assert "medsum_tui.tui.app" in modules and "textual.app" in modules
    assert not [m for m in modules if m.split(".")[0] in HEAVY]
