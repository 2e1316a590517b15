"""The Typer application object and its global options; commands register on it."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from core.guard import configure_network_guard, policy_settings

__all__ = ["app", "data_app"]

_CONTEXT = {"help_option_names": ["-h", "--help"]}

app = typer.Typer(
    name="medsum",
    help="MedSum: offline clinical summarization. Nothing ever leaves this machine.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings=_CONTEXT,
)
data_app = typer.Typer(
    help="Check and import record files.", no_args_is_help=True, context_settings=_CONTEXT
)
app.add_typer(data_app, name="data")


@app.callback()
def _global(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress to stderr.")] = False,
) -> None:
    """MedSum: offline clinical summarization. Nothing ever leaves this machine."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # main() installed the guard already; this reports a MEDSUM_NETWORK_GUARD it does not
    # understand. Each command refines it from the workspace config once it knows its workspace.
    configure_network_guard(policy_settings())
