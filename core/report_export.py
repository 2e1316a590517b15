"""Export the compliance report: append its ``report.export`` audit entry (with the body's
SHA-256), then write the file with that SHA-256 and the entry's seq in its footer
(:mod:`core.report_integrity`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from core.atomic import atomic_writer
from core.audit import AuditFailure, Auditor
from core.config import LoadedConfig, MedsumConfig
from core.errors import MedsumError
from core.report import compliance_report, render_markdown
from core.report_integrity import json_body_sha256, markdown_footer, seal_json
from core.secrets import SecretStoreError

__all__ = ["ExportedReport", "export_compliance_report"]


@dataclass(frozen=True)
class ExportedReport:
    """A written compliance report: the file's SHA-256 (what the CLI prints), the body's SHA-256
    (what the report and its audit entry state), the audit entry's seq, and whether the audit
    log verified when the report was made."""

    path: Path
    sha256: str
    body_sha256: str
    audit_seq: int | None  # None: the audit log refused the entry (the report says its log failed)
    audit_ok: bool


def export_compliance_report(root: Path, config: MedsumConfig | LoadedConfig, path: Path,
                             dataset: str | None = None) -> ExportedReport:
    """Write the compliance report to ``path`` (Markdown for ``.md``, JSON for ``.json``).

    The ``report.export`` audit entry, holding the body's SHA-256, is appended first; the file is
    then written atomically with that SHA-256 and the entry's seq in its footer (see
    :mod:`core.report_integrity`). A report whose audit log failed verification is still written,
    and when the log refuses the entry too, its footer says the export is not recorded."""
    kind = path.suffix.lower()
    if kind not in (".md", ".json"):
        raise MedsumError(f"{path}: a report is .md (Markdown) or .json", exit_code=2)
    report = compliance_report(root, config, dataset)
    body = render_markdown(report) + "\n" if kind == ".md" else None  # a blank line before the footer
    body_sha256 = hashlib.sha256(body.encode("utf-8")).hexdigest() if body is not None else json_body_sha256(report)
    seq: int | None = None
    refused: str | None = None
    try:
        seq = Auditor(root).event("report.export", body_sha256=body_sha256, format=kind.lstrip("."),
                                  datasets=[d["name"] for d in report["datasets"]], audit_ok=report["audit"]["ok"])
    except (AuditFailure, SecretStoreError) as exc:
        if report["audit"]["ok"]:
            raise
        refused = str(exc).split(": ", 1)[-1]  # no path; the report says the log failed: it is written, and says it is not recorded
    if body is not None:
        text = body + markdown_footer(body_sha256, seq, refused)
    else:
        text = seal_json(report, body_sha256, seq, refused)
    with atomic_writer(path, private=True) as handle:  # owner-only: it lies outside the workspace
        handle.write(text)
    return ExportedReport(path, hashlib.sha256(text.encode("utf-8")).hexdigest(), body_sha256, seq,
                          bool(report["audit"]["ok"]))
