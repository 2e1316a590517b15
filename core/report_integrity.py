"""How a compliance report states its own SHA-256, and how a reviewer checks it.

A file cannot hold its own hash, so a report is a *body* and a *footer*:

- Markdown: the body is every byte above the line ``<!-- medsum-report-footer -->``; the footer
  below it states the body's SHA-256 and the seq of the ``report.export`` audit entry.
  Check: ``sed '/^<!-- medsum-report-footer -->$/,$d' REPORT.md | sha256sum``.
- JSON: the body is the document without its ``integrity`` member, serialized canonically
  (sorted keys, no spaces, UTF-8); ``integrity`` holds ``body_sha256`` and ``audit_seq``.

The export appends the ``report.export`` audit entry (holding the body's SHA-256) first, then
writes the file with the entry's seq in the footer; the CLI prints the whole file's SHA-256.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["FOOTER_MARK", "JSON_CHECK", "MD_CHECK", "ReportCheck", "check_report", "json_body_sha256",
           "markdown_footer", "seal_json"]

FOOTER_MARK = "<!-- medsum-report-footer -->"
MD_CHECK = f"sed '/^{FOOTER_MARK}$/,$d' REPORT.md | sha256sum"
JSON_CHECK = ("python3 -c 'import hashlib,json,sys; d=json.load(open(sys.argv[1])); i=d.pop(\"integrity\"); "
              "print(hashlib.sha256(json.dumps(d,sort_keys=True,separators=(\",\",\":\"),ensure_ascii=False)"
              ".encode()).hexdigest(), i[\"body_sha256\"])' REPORT.json")
_DIGEST_LINE = "Body SHA-256: "
_SEQ_LINE = "Export audit entry: seq "


def json_body_sha256(body: dict[str, Any]) -> str:
    """The SHA-256 of a JSON report's body (the document without ``integrity``), canonically serialized."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _entry_line(seq: int | None, refused: str | None) -> str:
    if seq is not None:
        return f"{_SEQ_LINE}{seq} (`report.export` in the workspace's audit log, holding the same SHA-256)"
    return f"Export audit entry: NONE: the audit log refused it ({refused or 'no reason given'})"


def markdown_footer(body_sha256: str, seq: int | None, refused: str | None = None) -> str:
    """The footer written below a Markdown body (``seq`` None: the log refused the export entry,
    for the reason ``refused``)."""
    return "\n".join([
        FOOTER_MARK, "", "---", "",
        f"{_DIGEST_LINE}`{body_sha256}` (of every byte above the line `{FOOTER_MARK}`)", "",
        _entry_line(seq, refused), "",
        f"Check: `{MD_CHECK}` prints the same SHA-256; `medsum audit verify` checks the entry.", ""])


def seal_json(body: dict[str, Any], body_sha256: str, seq: int | None, refused: str | None = None) -> str:
    """The JSON report's text: the body with its ``integrity`` member (``audit_seq`` None and
    ``audit_refused`` set when the log refused the export entry)."""
    integrity = {"body_sha256": body_sha256, "audit_op": "report.export", "audit_seq": seq, "audit_refused": refused,
                 "scheme": "sha256 of the document without 'integrity', json.dumps(sort_keys=True, "
                           "separators=(',', ':'), ensure_ascii=False), UTF-8"}
    return json.dumps({**body, "integrity": integrity}, indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class ReportCheck:
    """Whether a report's body matches the SHA-256 its footer states, and the seq it names."""

    ok: bool
    computed: str | None
    stated: str | None
    seq: int | None
    reason: str


def _check_markdown(data: bytes) -> ReportCheck:
    mark = ("\n" + FOOTER_MARK + "\n").encode("utf-8")
    at = data.find(mark)
    if at < 0:
        return ReportCheck(False, None, None, None, f"no line {FOOTER_MARK}: not a sealed MedSum report")
    body, footer = data[:at + 1], data[at + len(mark):].decode("utf-8", "replace")
    stated = seq = None
    for line in footer.splitlines():
        if line.startswith(_DIGEST_LINE):
            stated = line[len(_DIGEST_LINE):].split("`")[1] if "`" in line else None
        elif line.startswith(_SEQ_LINE):
            number = line[len(_SEQ_LINE):].split(" ")[0]
            seq = int(number) if number.isdigit() else None
    computed = hashlib.sha256(body).hexdigest()
    ok = stated is not None and computed == stated
    return ReportCheck(ok, computed, stated, seq, "the body matches its stated SHA-256" if ok else
                       "the body does NOT match the SHA-256 its footer states: the report was edited")


def _check_json(data: bytes) -> ReportCheck:
    try:
        document = json.loads(data.decode("utf-8"))
        integrity = document.pop("integrity")
        stated, seq = str(integrity["body_sha256"]), integrity.get("audit_seq")
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
        return ReportCheck(False, None, None, None, "not a sealed MedSum JSON report (no readable 'integrity')")
    computed = json_body_sha256(document)
    ok = computed == stated
    return ReportCheck(ok, computed, stated, seq if isinstance(seq, int) else None,
                       "the body matches its stated SHA-256" if ok else
                       "the body does NOT match the SHA-256 it states: the report was edited")


def check_report(path: Path) -> ReportCheck:
    """Check a report file (``.md`` or ``.json``) against the SHA-256 it states."""
    data = Path(path).read_bytes()
    return _check_json(data) if Path(path).suffix.lower() == ".json" else _check_markdown(data)
