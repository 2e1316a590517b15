"""Find, create and open the MedSum workspace: the one private directory holding all state.

Every command finds the workspace the same way (:func:`resolve_workspace`): the
``--workspace`` option, else ``MEDSUM_HOME``, else the platform's user data directory. The
directory is mode 0700 because it will hold de-identified data, models and keys' metadata.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from core.atomic import atomic_writer, find_leftovers, remove_leftovers
from core.config import LoadedConfig, MedsumConfig, default_config_toml, load_config
from core.errors import MedsumError
from core.intents import reconcile_at_open

__all__ = [
    "WORKSPACE_ENV",
    "CONFIG_NAME",
    "SUBDIRS",
    "WorkspaceLocation",
    "Workspace",
    "WorkspaceError",
    "resolve_workspace",
    "init_workspace",
    "open_workspace",
    "permission_problem",
]

WORKSPACE_ENV = "MEDSUM_HOME"
CONFIG_NAME = "config.toml"
#: Directories every workspace has; later features fill them.
SUBDIRS: tuple[str, ...] = ("datasets", "models", "runs", "reports", "logs")
_MODE = 0o700


class WorkspaceError(MedsumError):
    """The workspace is missing, not initialized, or unsafe to use."""


@dataclass(frozen=True)
class WorkspaceLocation:
    """Where the workspace is, and which setting chose it ("--workspace", "MEDSUM_HOME", "default")."""

    path: Path
    source: str

    @property
    def config_file(self) -> Path:
        """The workspace's ``config.toml``."""
        return self.path / CONFIG_NAME

    @property
    def initialized(self) -> bool:
        """Whether ``medsum init`` has run here."""
        return self.config_file.is_file()


@dataclass(frozen=True)
class Workspace:
    """An opened workspace: its location and its validated configuration."""

    location: WorkspaceLocation
    loaded: LoadedConfig

    @property
    def root(self) -> Path:
        """The workspace directory."""
        return self.location.path

    @property
    def config(self) -> MedsumConfig:
        """The effective configuration (user config with IT policy applied)."""
        return self.loaded.config


def resolve_workspace(explicit: Path | str | None = None) -> WorkspaceLocation:
    """Pick the workspace directory: ``explicit``, else ``MEDSUM_HOME``, else the user data dir."""
    if explicit is not None and str(explicit) != "":
        return WorkspaceLocation(Path(explicit).expanduser().absolute(), "--workspace")
    env = os.environ.get(WORKSPACE_ENV)
    if env:
        return WorkspaceLocation(Path(env).expanduser().absolute(), WORKSPACE_ENV)
    default = platformdirs.user_data_path("medsum", appauthor=False)
    return WorkspaceLocation(default.absolute(), "default")


def permission_problem(path: Path) -> str | None:
    """Say what is wrong with the directory's ownership or mode, or ``None`` if it is private."""
    st = path.stat()
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return f"workspace {path} belongs to another user (uid {st.st_uid})"
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        return f"workspace {path} is mode {mode:04o}, it must be 0700: run chmod 700 {path}"
    return None


def init_workspace(location: WorkspaceLocation) -> tuple[Workspace, list[str]]:
    """Create (or repair) the workspace at ``location``; return it and what was done.

    Safe to run again: it never overwrites an existing ``config.toml``, and it tightens a
    directory that others can read back to 0700.
    """
    path = location.path
    actions: list[str] = []
    if path.exists() and not path.is_dir():
        raise WorkspaceError(f"workspace {path} exists and is not a directory")
    if not path.exists():
        try:
            path.mkdir(mode=_MODE, parents=True)
        except OSError as exc:
            raise WorkspaceError(f"cannot create workspace {path}: {exc.strerror or exc}") from None
        actions.append(f"created {path}")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode != _MODE:
        path.chmod(_MODE)
        if actions:
            actions.append("set mode 0700")
        else:
            actions.append(f"tightened mode {mode:04o} to 0700")
    for name in SUBDIRS:
        sub = path / name
        if not sub.exists():
            sub.mkdir(mode=_MODE)
    if not location.config_file.exists():
        with atomic_writer(location.config_file) as handle:
            handle.write(default_config_toml())
        actions.append(f"wrote {location.config_file}")
    return open_workspace(location), actions


def open_workspace(location: WorkspaceLocation) -> Workspace:
    """Open an initialized workspace, refusing one that is missing or readable by others.

    Temporaries that killed processes left in it (a half-imported dataset, a half-written
    file) are removed; see :func:`core.atomic.find_leftovers` for when one counts as left. The
    imports that a kill cut off between their rename and their record are reconciled; see
    :func:`core.intents.reconcile_at_open`."""
    path = location.path
    if not path.is_dir() or not location.initialized:
        raise WorkspaceError(
            f"no MedSum workspace at {path} (from {location.source}): run medsum init"
            + (f" --workspace {path}" if location.source == "--workspace" else "")
        )
    problem = permission_problem(path)
    if problem:
        raise WorkspaceError(problem)
    remove_leftovers(find_leftovers(path))  # temporaries of killed processes (see core.atomic)
    reconcile_at_open(path)  # imports a kill cut off after their rename (see core.intents)
    return Workspace(location, load_config(location.config_file))
