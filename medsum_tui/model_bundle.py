"""``medsum-model-bundle`` (also ``packaging/model-bundle`` in a checkout): carry MedSum model
checkpoints to air-gapped machines as verified bundles.

    medsum-model-bundle export MODEL_DIR OUT.tar.gz [--allow-pickle]
    medsum-model-bundle export --model NAME [--workspace W] OUT.tar.gz
    medsum-model-bundle verify BUNDLE.tar.gz
    medsum-model-bundle import BUNDLE.tar.gz --name NAME [--workspace W] [--allow-pickle]

``export`` packs a checkpoint directory, or a model from a workspace's store, with a manifest
of every file's SHA-256 and size. ``verify`` checks a bundle (e.g. on the medium before it
leaves, and again on arrival). ``import`` verifies the bundle, extracts it into a private
temporary directory and registers it with ``medsum models import``; a failure leaves the store
as it was. The work is done by :mod:`core.models.bundle`. Errors are one line on stderr; the
exit code is 0 on success, 1 on failure, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.units import format_size

__all__ = ["main"]

#: The name in messages: the command it was run as (``medsum-model-bundle`` when installed).
PROG = "medsum-model-bundle" if Path(sys.argv[0]).name == "medsum-model-bundle" else "model-bundle"


def _parsers() -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """The command line parser, and its ``export`` subparser (for export's usage errors)."""
    parser = argparse.ArgumentParser(prog=PROG, description="Export, verify and import MedSum model bundles.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    export = commands.add_parser(
        "export", help="Pack a checkpoint directory or a stored model into OUT.tar.gz.",
        usage=f"{PROG} export MODEL_DIR OUT.tar.gz [--allow-pickle]\n"
              f"       {PROG} export --model NAME [--workspace W] OUT.tar.gz",
        description="Pack a checkpoint directory, or with --model a model from the workspace's store, into a new "
                    ".tar.gz bundle with a manifest of every file's SHA-256 and size.")
    export.add_argument("paths", nargs="+", metavar="PATH", help="MODEL_DIR OUT, or OUT with --model.")
    export.add_argument("--model", metavar="NAME", help="Export this model from the workspace's store.")
    export.add_argument("--workspace", "-w", type=Path, help="Workspace for --model (default: $MEDSUM_HOME).")
    export.add_argument("--allow-pickle", action="store_true",
                        help="Take pytorch_model*.bin pickle weights when MODEL_DIR has no safetensors.")
    verify = commands.add_parser("verify", help="Check a bundle's files against its manifest.")
    verify.add_argument("bundle", type=Path, metavar="BUNDLE")
    imp = commands.add_parser("import", help="Verify a bundle and add it to the workspace's model store.")
    imp.add_argument("bundle", type=Path, metavar="BUNDLE")
    imp.add_argument("--name", required=True, help="Name in the store: letters, digits, '-', '_', '.'.")
    imp.add_argument("--workspace", "-w", type=Path, help="Workspace (default: $MEDSUM_HOME).")
    imp.add_argument("--allow-pickle", action="store_true",
                     help="Accept pickle weights (they can run code): only for bundles you trust.")
    return parser, export


def _progress(name: str, size: int) -> None:
    print(f"  {name} ({format_size(size)})", flush=True)


def _workspace(path: Path | None) -> Path:
    """The workspace's root, with the network guard set from its configuration, as every
    ``medsum`` command does before it touches a model."""
    from core.guard import configure_network_guard
    from core.workspace import open_workspace, resolve_workspace

    opened = open_workspace(resolve_workspace(path))
    configure_network_guard(opened.loaded)
    return opened.root


def _run(args: argparse.Namespace) -> None:
    from core.models import bundle

    if args.command == "export":
        out = Path(args.paths[-1])
        if args.model:
            root = _workspace(args.workspace)
            print(f"Exporting model {args.model} from {root}")
            result = bundle.export_stored(root, args.model, out, on_file=_progress)
        else:
            print(f"Exporting {args.paths[0]}")
            result = bundle.export_directory(Path(args.paths[0]), out, allow_pickle=args.allow_pickle,
                                             on_file=_progress)
        print(f"Wrote {out} ({format_size(result.size)}): {result.info.describe()}")
        print(f"Bundle SHA-256: {result.info.sha256} (record it with the transfer, compare it on arrival)")
    elif args.command == "verify":
        print(f"Verifying {args.bundle}")
        info = bundle.verify_bundle(args.bundle, on_file=_progress)
        print(f"{args.bundle}: OK, {info.describe()}")
        print(f"Bundle SHA-256: {info.sha256} (compare it with the one recorded at export)")
    else:
        root = _workspace(args.workspace)
        print(f"Importing {args.bundle} as {args.name} into {root}")
        info = bundle.import_bundle(args.bundle, root=root, name=args.name, allow_pickle=args.allow_pickle,
                                    on_file=_progress)
        from core.models import get_model
        from medsum_tui.cli.models_cmds import describe_model

        print(f"Imported {describe_model(get_model(root, args.name))}")  # as medsum models import says it
        print(f"{args.bundle}: {info.describe()}; every file matches the bundle's manifest")
        print(f"Bundle SHA-256: {info.sha256}")


def main(argv: list[str] | None = None) -> int:
    """Run the command in ``argv`` (default: the command line) and return the exit code. The
    network guard is on first, for every command (``verify`` and ``export`` open no workspace)."""
    from core.guard import configure_entry_guard

    configure_entry_guard()
    parser, export = _parsers()
    try:
        args = parser.parse_args(argv)
        if args.command == "export" and len(args.paths) != (1 if args.model else 2):
            export.error("export takes MODEL_DIR OUT, or --model NAME OUT")
    except SystemExit as exc:  # a usage error (2), or --help (0)
        return exc.code if isinstance(exc.code, int) else 2
    from core.errors import MedsumError

    try:
        _run(args)
    except MedsumError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"{PROG}: error: interrupted; nothing was imported or written", file=sys.stderr)
        return 130
    return 0

