"""``medsum init``: create or repair the workspace."""

from __future__ import annotations

from core.config import policy_path
from core.guard import configure_network_guard
from core.workspace import init_workspace
from medsum_tui.cli._runtime import WorkspaceOption, locate, say
from medsum_tui.cli.app import app


@app.command("init")
def init_command(workspace: WorkspaceOption = None) -> None:
    """Create the workspace (mode 0700) with a default config.toml; safe to run again."""
    location = locate(workspace)
    opened, actions = init_workspace(location)
    configure_network_guard(opened.loaded)
    say(f"Workspace: {opened.root} (from {location.source})")
    for action in actions or ["already initialized; nothing changed"]:
        say(f"  {action}")
    say(f"Config: {location.config_file}")
    policy = policy_path()
    say(f"IT policy: {policy} ({'present' if policy.is_file() else 'absent'})")
