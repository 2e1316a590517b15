"""``medsum deid-eval``: de-identify a corpus and score the findings against gold spans."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from core.config import MedsumConfig
from core.deid_run import RecordResult, deidentify_records, load_for_deid
from core.errors import InputError
from core.records import Record
from privacy.deid.engine import iter_leaves
from privacy.deid.scoring import Scores, Span, score

__all__ = ["read_gold", "evaluate_deid", "record_evaluation", "score_results", "format_table"]

_GOLD_KEYS = ("record_id", "path", "start", "end", "category")


def read_gold(path: Path) -> list[Span]:
    """Read a gold file (one span per line); a bad line is a one-line error naming it."""
    spans = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the gold file: {getattr(exc, 'strerror', None) or exc}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            spans.append(Span(str(row["record_id"]), str(row["path"]), int(row["start"]), int(row["end"]),
                              str(row["category"])))
        except (ValueError, KeyError, TypeError):
            raise InputError(f"{path}:{number}: a gold span needs {', '.join(_GOLD_KEYS)}") from None
    return spans


def evaluate_deid(raw: Path, gold_file: Path, config: MedsumConfig, *, workers: int = 1) -> Scores:
    """Run the detectors over ``raw`` and score them against ``gold_file``."""
    gold = read_gold(gold_file)
    loaded = load_for_deid(raw, config, skip_bad=False)
    results = deidentify_records(loaded.records, config, strategy="redact", secret=None, workers=workers)
    return score_results(loaded.records, results, gold)


def record_evaluation(root: Path, scores: Scores, gold_file: Path, config: MedsumConfig) -> Path:
    """Keep ``scores`` in the workspace at ``root`` (``deid-evals/<timestamp>.json`` and a
    ``deid.eval`` audit entry, see :mod:`core.deid_evals`) with the gold file's sha256, its
    span and record counts, and the settings measured; return the file written."""
    from core.deid_evals import record_deid_eval

    gold = read_gold(gold_file)
    path, _ = record_deid_eval(root, scores.to_json(), gold_file, len(gold), len({s.record_id for s in gold}),
                               config.deid, "redact")
    return path


def score_results(records: Iterable[Record], results: Iterable[RecordResult], gold: list[Span]) -> Scores:
    """Score de-identification results of ``records`` against gold spans."""
    texts: dict[tuple[str, str], str] = {}
    patient_names: dict[str, set[str]] = {}
    for record in records:
        for path, _key, _ancestors, value in iter_leaves(record.data):
            if value is not None and not isinstance(value, bool):
                texts[(record.record_id, path)] = str(value)
        name = record.data.get("patient_name")  # the synthetic corpus's field (medsum synth)
        if isinstance(name, str):
            patient_names[record.record_id] = {t.casefold() for t in re.findall(r"\w+", name)}
    predicted = [Span(result.record_id, f.path, f.start, f.end, f.category.value)
                 for result in results for f in result.findings]
    return score(texts, gold, predicted, patient_names)


def format_table(scores: Scores) -> str:
    """A plain-text table: token and entity recall, precision and F1 per category."""
    data: dict[str, Any] = scores.to_json()
    categories = sorted(set(data["token"]["by_category"]) | set(data["entity"]["by_category"]))
    header = f"{'category':<12} {'tok R':>6} {'tok P':>6} {'tok F1':>6} {'ent R':>6} {'ent P':>6} {'ent F1':>6} {'gold tok':>8}"
    rows = [header, "-" * len(header)]

    def fmt(x: float | None) -> str:
        return "   -  " if x is None else f"{x:6.3f}"

    for name, tok, ent in [(c, data["token"]["by_category"].get(c, {}), data["entity"]["by_category"].get(c, {}))
                           for c in categories] + [("OVERALL", data["token"]["overall"], data["entity"]["overall"])]:
        gold_tokens = (tok.get("tp") or 0) + (tok.get("fn") or 0)
        rows.append(f"{name:<12} {fmt(tok.get('recall'))} {fmt(tok.get('precision'))} {fmt(tok.get('f1'))} "
                    f"{fmt(ent.get('recall'))} {fmt(ent.get('precision'))} {fmt(ent.get('f1'))} {gold_tokens:>8}")
    rows.append(f"patient-name tokens missed: {data['patient_name_tokens_missed']} of {data['patient_name_tokens']}")
    return "\n".join(rows)
