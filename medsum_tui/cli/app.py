"""The Typer application object and its global options; commands register on it."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from core.guard import configure_network_guard, policy_settings
from medsum_tui.cli._runtime import set_quiet

__all__ = ["app", "data_app", "medsum_version"]

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


def medsum_version() -> str:
    """The installed package's version (from its metadata), or ``unknown`` when run from a
    source tree that was never installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("medsum")
    except PackageNotFoundError:
        return "unknown"


def _print_version(value: bool) -> None:
    """``--version``: print ``medsum <version>`` and exit 0, before any command runs."""
    if value:
        typer.echo(f"medsum {medsum_version()}")
        raise typer.Exit(0)


@app.callback()
def _global(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress to stderr.")] = False,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="Print only results (tables, summaries, JSON), warnings and errors: no narration, "
                              "no progress bars.")] = False,
    version: Annotated[bool, typer.Option(
        "--version", is_eager=True, callback=_print_version, help="Print the version and exit.")] = False,
) -> None:
    """MedSum: offline clinical summarization. Nothing ever leaves this machine."""
    set_quiet(quiet)
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # main() installed the guard already; this reports a MEDSUM_NETWORK_GUARD it does not
    # understand. Each command refines it from the workspace config once it knows its workspace.
    configure_network_guard(policy_settings())
