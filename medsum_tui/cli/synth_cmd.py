"""``medsum synth``: write a synthetic corpus with gold PHI spans."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from medsum_tui.cli._runtime import WorkspaceOption, require_parent_dir, say, settings_for_command
from medsum_tui.cli.app import app


@app.command("synth")
def synth_command(
    out: Annotated[Path, typer.Option("--out", help="Records file to write (JSON Lines).")],
    n: Annotated[int, typer.Option("--n", min=1, help="Number of records.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; the same seed gives the same files.")] = 0,
    gold: Annotated[Path | None, typer.Option("--gold", help="Gold PHI spans file to write (JSON Lines).")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Synthesize realistic records with PHI (all fake) and, with --gold, every PHI span."""
    from core.synth import generate_corpus, write_corpus  # Faker's tables: only when used

    settings_for_command(workspace)
    require_parent_dir(out, gold)
    corpus = generate_corpus(n, seed)
    write_corpus(corpus, out, gold)
    patients = len({r["mrn"] for r in corpus.records})
    say(f"Wrote {len(corpus.records)} records for {patients} patients to {out}")
    if gold is not None:
        counts = Counter(span.category for span in corpus.gold)
        say(f"Wrote {len(corpus.gold)} gold PHI spans to {gold}: "
            + ", ".join(f"{cat} {count}" for cat, count in sorted(counts.items())))
