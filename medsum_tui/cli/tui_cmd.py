"""``medsum tui``: open the Textual app on the workspace."""

from __future__ import annotations

from medsum_tui.cli._runtime import WorkspaceOption, settings_for_command
from medsum_tui.cli.app import app


@app.command("tui")
def tui(workspace: WorkspaceOption = None) -> None:
    """Open the terminal UI (bare `medsum` in a terminal does the same)."""
    from medsum_tui.tui.app import MedsumApp
    from medsum_tui.tui.local import LocalBackend
    from medsum_tui.tui.run import run_app

    location, _ = settings_for_command(workspace)  # the network guard is set before the app starts
    code = run_app(MedsumApp(LocalBackend(location)))  # q quits at once, even mid-summary
    if code:
        raise SystemExit(code)
