"""A fingerprint of what the de-identifier finds and writes, to show a speed change changes nothing.

It hashes, in order, every detection (span, category, rule), every de-identified output and
every residual finding over:

- the hand-written development notes (``tests/fixtures/deid_dev``, the held-out set too), each
  as written, lower-cased and upper-cased;
- the MTS-Dialog validation records (``tests/data/mts-dialog/validation.jsonl``);
- synthetic records from the generator (``--synthetic``, seed 7).

Run it before and after a change; the same ``fingerprint`` means the same findings and output:

    .venv/bin/python scripts/deid_fingerprint.py [--synthetic 600]

It prints one JSON line: the fingerprint and one hash per part (which part changed).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.synth import generate_corpus  # noqa: E402
from privacy.deid.engine import DeidOutcome, Deidentifier  # noqa: E402
from tests.fixtures.deid_dev.corpus import load_corpus  # noqa: E402

_SECRET = b"fingerprint-secret-not-for-use-1"


def _findings(items: Iterable[Any]) -> list[tuple[str, int, int, str, str]]:
    return [(f.path, f.start, f.end, str(f.category), f.rule) for f in items]


def _outcome(outcome: DeidOutcome) -> list[Any]:
    return [outcome.record, _findings(outcome.findings), _findings(outcome.residual)]


def fingerprint(synthetic: int = 600, notes_pattern: str = "*.txt") -> dict[str, str]:
    """The hash of everything the de-identifier finds and writes over the corpora above, and
    one hash per part (``dev``, ``mts``, ``synthetic``)."""
    engine = Deidentifier(secret=_SECRET)
    whole, parts = hashlib.sha256(), {}

    def feed(part: str, value: Any) -> None:
        data = json.dumps(value, sort_keys=True, default=str).encode()
        whole.update(data)
        parts.setdefault(part, hashlib.sha256()).update(data)

    for note in load_corpus(pattern=notes_pattern):
        for text in (note.text, note.text.lower(), note.text.upper()):
            feed("dev", [(d.start, d.end, str(d.category), d.rule) for d in engine.detect_text(text)])
            feed("dev", _outcome(engine.deidentify({"id": note.record_id, "note": text}, note.record_id)))
    mts = ROOT / "tests/data/mts-dialog/validation.jsonl"
    for line in mts.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        feed("mts", _outcome(engine.deidentify(record, f"p{record.get('id')}")))
    for record in generate_corpus(synthetic, 7).records if synthetic else []:
        feed("synthetic", _outcome(engine.deidentify(record, f"q{record.get('id')}")))
    return {"fingerprint": whole.hexdigest()[:16], **{k: v.hexdigest()[:16] for k, v in parts.items()}}


def main() -> None:
    """Print the fingerprint as one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", type=int, default=600, help="synthetic records to include")
    args = parser.parse_args()
    print(json.dumps(fingerprint(args.synthetic)))


if __name__ == "__main__":
    main()
