"""Clinical notes carried as base64 attachments: ``DocumentReference.content[].attachment``
and ``DiagnosticReport.presentedForm[]``.

Only text attachments (``text/*``) are read; a PDF or image cannot be de-identified here and
is reported as skipped. Writing a note back re-encodes it and keeps ``size`` and ``hash``
(SHA-1, base64, as FHIR defines them) true to the new content.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import re
from collections.abc import Iterator
from typing import Any

__all__ = ["attachments", "decode_note", "encode_note", "note_text"]

_CHARSET = re.compile(r"charset\s*=\s*\"?([A-Za-z0-9_\-]+)", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


def attachments(resource: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each attachment of a DocumentReference or DiagnosticReport, with its path in the resource."""
    rtype = resource.get("resourceType")
    if rtype == "DocumentReference":
        for i, content in enumerate(resource.get("content") or []):
            if isinstance(content, dict) and isinstance(content.get("attachment"), dict):
                yield f"content.{i}.attachment", content["attachment"]
    elif rtype == "DiagnosticReport":
        for i, form in enumerate(resource.get("presentedForm") or []):
            if isinstance(form, dict):
                yield f"presentedForm.{i}", form


def _charset(attachment: dict[str, Any]) -> str:
    match = _CHARSET.search(str(attachment.get("contentType") or ""))
    return match.group(1) if match else "utf-8"


def decode_note(attachment: dict[str, Any]) -> str | None:
    """The text of a base64 ``text/*`` attachment; None when it has no inline data or is not text.

    Raises :class:`ValueError` (without the content) when the data is not valid base64 or not
    valid text in its charset.
    """
    content_type = str(attachment.get("contentType") or "text/plain").lower()
    data = attachment.get("data")
    if not isinstance(data, str) or not content_type.startswith("text/"):
        return None
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("attachment data is not valid base64") from None
    try:
        return raw.decode(_charset(attachment))
    except (UnicodeDecodeError, LookupError):
        raise ValueError(f"attachment is not valid {_charset(attachment)} text") from None


def note_text(attachment: dict[str, Any]) -> str | None:
    """The note as plain text for model input: HTML tags dropped, entities unescaped."""
    text = decode_note(attachment)
    if text is None:
        return None
    if "html" in str(attachment.get("contentType") or "").lower():
        text = html.unescape(_TAG.sub(" ", text))
    return " ".join(text.split())


def encode_note(attachment: dict[str, Any], text: str) -> dict[str, Any]:
    """A copy of ``attachment`` holding ``text``: data re-encoded, ``size`` and ``hash`` updated
    when the original had them."""
    raw = text.encode(_charset(attachment))
    out = dict(attachment)
    out["data"] = base64.b64encode(raw).decode("ascii")
    if "size" in attachment:
        out["size"] = len(raw)
    if "hash" in attachment:
        out["hash"] = base64.b64encode(hashlib.sha1(raw).digest()).decode("ascii")  # FHIR's hash is SHA-1
    return out
