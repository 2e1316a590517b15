"""The workspace's record of ``medsum deid-eval`` results: ``deid-evals/<timestamp>.json``.

Each run of ``medsum deid-eval`` in an initialized workspace writes one file (atomically) and
one ``deid.eval`` audit entry: the scores, the gold file's sha256 and size, and the settings
it measured (the allow-list pass, the lists' digests). Never a span's text. The compliance
report shows the latest one.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.atomic import atomic_writer
from core.deid_lists import lists_in_force, settings_digest
from privacy.deid.settings import DeidSettings

__all__ = ["DEID_EVALS_DIR", "FORMAT", "deid_evals_dir", "latest_deid_eval", "record_deid_eval"]

DEID_EVALS_DIR = "deid-evals"
FORMAT = "medsum-deid-eval/1"


def deid_evals_dir(root: Path) -> Path:
    """``<workspace>/deid-evals``."""
    return Path(root) / DEID_EVALS_DIR


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _headline(scores: dict[str, Any]) -> dict[str, Any]:
    """Overall token and entity recall/precision/F1, and token recall per category."""
    token, entity = scores["token"]["overall"], scores["entity"]["overall"]
    return {
        "token_recall": token.get("recall"), "token_precision": token.get("precision"), "token_f1": token.get("f1"),
        "entity_recall": entity.get("recall"), "entity_precision": entity.get("precision"),
        "gold_tokens": (token.get("tp") or 0) + (token.get("fn") or 0),
        "recall_by_category": {c: v.get("recall") for c, v in scores["token"]["by_category"].items()},
        "patient_name_tokens_missed": scores.get("patient_name_tokens_missed"),
    }


def record_deid_eval(root: Path, scores: dict[str, Any], gold_file: Path, gold_spans: int, gold_records: int,
                     settings: DeidSettings, strategy: str) -> tuple[Path, dict[str, Any]]:
    """Write the evaluation ``scores`` (``Scores.to_json()``) to ``deid-evals/<timestamp>.json``
    and audit it as ``deid.eval``; return the file and what it holds.

    The audit entry goes first (an evaluation the log does not hold is not on record); the file
    is written atomically after it."""
    from core.audit import Auditor

    auditor = Auditor(root)  # before the file: a missing secret store or a broken log fails here
    now = datetime.now(UTC)
    record: dict[str, Any] = {
        "format": FORMAT, "evaluated_at": now.isoformat(timespec="seconds"),
        "gold": {"sha256": _sha256(gold_file), "spans": gold_spans, "records": gold_records},
        "measured": {"strategy": strategy, "strategy_note": "spans are the same for surrogate and redact",
                     "settings_sha256": settings_digest(settings), "lists": lists_in_force(settings)},
        "headline": _headline(scores), "scores": scores,
    }
    head = record["headline"]
    auditor.event("deid.eval", gold_sha256=record["gold"]["sha256"], gold_spans=gold_spans,
                  gold_records=gold_records, settings_sha256=record["measured"]["settings_sha256"],
                  allow_list_pass=settings.allow_list_pass, token_recall=head["token_recall"],
                  token_precision=head["token_precision"], entity_recall=head["entity_recall"],
                  gold_tokens=head["gold_tokens"], recall_by_category=head["recall_by_category"])
    folder = deid_evals_dir(root)
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / f"{now.strftime('%Y%m%dT%H%M%S.%fZ')}.json"
    with atomic_writer(path) as handle:
        handle.write(json.dumps(record, indent=2) + "\n")
    return path, record


def latest_deid_eval(root: Path) -> dict[str, Any] | None:
    """The latest readable evaluation on record (by its file name's timestamp), with its file
    name under ``"file"``; None when there is none."""
    folder = deid_evals_dir(root)
    if not folder.is_dir():
        return None
    for path in sorted(folder.glob("*.json"), reverse=True):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("format") == FORMAT and isinstance(data.get("headline"), dict):
            return {**data, "file": f"{DEID_EVALS_DIR}/{path.name}"}
    return None
