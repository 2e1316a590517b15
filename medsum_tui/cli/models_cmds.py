"""``medsum models ...``: import, verify, list and build tiny models in the workspace store."""

from __future__ import annotations

import typer

from medsum_tui.cli.app import app

__all__ = ["models_app"]

models_app = typer.Typer(help="The workspace's model store.", no_args_is_help=True,
                         context_settings={"help_option_names": ["-h", "--help"]})
app.add_typer(models_app, name="models")
