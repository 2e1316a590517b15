"""The audit log: append-only JSON lines, hash-chained and keyed, with its head kept elsewhere.

Each line is one entry::

    {"fields": {...}, "host": "...", "mac": "...", "op": "data.import", "prev": "...", "seq": 7,
     "time": "...", "user": "..."}

``user`` and ``host`` name the actor: the OS user and the machine that wrote the entry, or
keyed tokens of them (:meth:`Actor.hashed`). Entries written before actors were recorded have
neither key; they verify as before (the mac covers whichever keys an entry holds, and an entry
must hold either all of :data:`ENTRY_KEYS` or all of them but the actor's two).

``seq`` counts from 1, ``prev`` is the previous entry's ``mac`` ("" for the first), and
``mac`` is HMAC-SHA256 with the audit key over the canonical JSON of the entry without its
``mac`` (sorted keys, no spaces, UTF-8). Editing, deleting, reordering or inserting a line
breaks the chain; a line written without the key fails its mac. Cutting lines off the end
leaves a valid chain, so after every append the entry count and last mac are also recorded
in a *head store* (the privacy ledger), and :meth:`AuditLog.verify` compares the two.
Older copies of both, or neither, would still agree; so an optional *anchor* kept out of
their reach records each appended entry and the head store's version, never moves back,
and :meth:`AuditLog.verify` fails a log or a head store behind it.

``fields`` hold ids, names, hashes and counts only, never PHI nor free text from records;
:func:`check_fields` refuses anything else than small JSON scalars, lists and objects.

Appends are serialized across processes with ``fcntl.flock`` on ``<log>.lock``; the head is
updated inside the same lock, after the line is written and fsynced.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import json
import math
import os
import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from privacy.filelock import exclusive_lock


__all__ = ["ENTRY_KEYS", "HASHED_PREFIX", "MAX_TEXT", "Actor", "AnchorStore", "Anchored", "AuditError", "AuditLog",
           "AuditVerification", "HeadStore", "actor_key", "canonical", "check_fields", "current_actor", "entry_mac",
           "hashed_actor_value"]

#: Longest string a field may hold (ids, names, hashes, one-line reasons).
MAX_TEXT = 300
#: The keys of an entry; entries from before actors were recorded lack ``user`` and ``host``.
ENTRY_KEYS = ("fields", "host", "mac", "op", "prev", "seq", "time", "user")
_ACTOR_KEYS = frozenset({"host", "user"})
_KEY_SETS = (frozenset(ENTRY_KEYS), frozenset(ENTRY_KEYS) - _ACTOR_KEYS)
#: What a hashed actor's value starts with.
HASHED_PREFIX = "hmac:"
_UNKNOWN = "unknown"


class AuditError(Exception):
    """The audit log cannot be written, or an entry was refused; one line."""


class HeadStore(Protocol):
    """Where the log's head (entry count, last mac) is kept, away from the log itself."""

    def audit_head(self) -> tuple[int, str] | None:
        """The recorded (entry count, last mac), or None when nothing was recorded."""
        ...

    def set_audit_head(self, count: int, mac: str) -> int:
        """Record the head after an append; return the head store's version (see :class:`Anchored`)."""
        ...

    def seal_version(self) -> int:
        """The head store's version: it only grows (0 when it keeps none)."""
        ...


@dataclass(frozen=True)
class Anchored:
    """What the anchor holds: the last anchored entry (its seq and mac) and the head store's
    version recorded with it."""

    count: int
    mac: str
    ledger_version: int


class AnchorStore(Protocol):
    """Where the anchor is kept: out of reach of whoever can rewrite the log and the head store."""

    where: str

    def read(self) -> Anchored | None:
        """The anchored state, or None when nothing was anchored yet."""
        ...

    def write(self, state: Anchored) -> None:
        """Record ``state``."""
        ...


@dataclass(frozen=True)
class AuditVerification:
    """What :meth:`AuditLog.verify` found. ``entries`` is how many entries were checked and
    found good; when not ``ok``, ``bad_seq`` / ``bad_line`` name the first bad entry and
    ``reason`` says what is wrong, in one line."""

    ok: bool
    entries: int
    bad_seq: int | None = None
    bad_line: int | None = None
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        """The result as JSON (for reports and ``medsum doctor``)."""
        return {"ok": self.ok, "entries": self.entries, "bad_seq": self.bad_seq, "bad_line": self.bad_line,
                "reason": self.reason}


def canonical(entry: Mapping[str, Any]) -> bytes:
    """The bytes an entry's mac covers: sorted keys, no spaces, UTF-8, the ``mac`` left out."""
    body = {k: v for k, v in entry.items() if k != "mac"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_mac(key: bytes, entry: Mapping[str, Any]) -> str:
    """HMAC-SHA256 (hex) of the entry under ``key``."""
    return hmac.new(key, canonical(entry), hashlib.sha256).hexdigest()


def check_fields(fields: Mapping[str, Any], path: str = "fields") -> dict[str, Any]:
    """The fields as a plain dict, or :class:`AuditError` for anything but identifier-like keys
    and small JSON values (strings up to :data:`MAX_TEXT` characters on one line)."""
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if not isinstance(key, str) or not key or not key.replace("_", "").replace(".", "").isalnum():
            raise AuditError(f"audit {path}: key {key!r} is not a plain name")
        out[key] = _check_value(value, f"{path}.{key}")
    return out


def _check_value(value: Any, path: str) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise AuditError(f"audit {path}: not a finite number")
        return value
    if isinstance(value, str):
        if len(value) > MAX_TEXT or "\n" in value or "\r" in value:
            raise AuditError(f"audit {path}: text longer than {MAX_TEXT} characters or on several lines")
        return value
    if isinstance(value, list | tuple):
        return [_check_value(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, Mapping):
        return check_fields(value, path)
    raise AuditError(f"audit {path}: {type(value).__name__} is not a JSON value")


@dataclass(frozen=True)
class Actor:
    """Who wrote an entry: the OS user name and the host name, or keyed tokens of both."""

    user: str
    host: str

    def hashed(self, key: bytes) -> Actor:
        """The same actor as tokens ``hmac:<20 hex>``: HMAC-SHA256 under ``key`` (see
        :func:`actor_key`), so a user always gets the same token under one audit key and a
        reader without the key cannot test guessed names against it."""
        return Actor(hashed_actor_value(key, "user", self.user), hashed_actor_value(key, "host", self.host))


def actor_key(audit_key: bytes) -> bytes:
    """The key of actor tokens, derived from the audit key (never the audit key itself)."""
    return hmac.new(audit_key, b"medsum audit actor v1", hashlib.sha256).digest()


def hashed_actor_value(key: bytes, kind: str, value: str) -> str:
    """The token of ``value`` (a ``kind``: "user" or "host") under ``key`` (:func:`actor_key`)."""
    digest = hmac.new(key, f"{kind}\0{value}".encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
    return HASHED_PREFIX + digest[:20]


def _clean(value: str) -> str:
    """A name fit for an entry: printable, one line, at most :data:`MAX_TEXT` characters."""
    text = "".join(c if c.isprintable() else "?" for c in value.strip())[:MAX_TEXT]
    return text or _UNKNOWN


def current_actor() -> Actor:
    """This process's OS user and host name; "unknown" (or ``uid-N``) when the OS cannot say.
    The host name is the local one (:func:`socket.gethostname`: no network lookup)."""
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - getpass raises OSError, KeyError or ImportError by platform
        user = f"uid-{os.getuid()}" if hasattr(os, "getuid") else _UNKNOWN
    try:
        host = socket.gethostname()
    except OSError:
        host = _UNKNOWN
    return Actor(_clean(user), _clean(host))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class AuditLog:
    """The audit log at ``path``, keyed with ``key``, its head kept in ``head``."""

    def __init__(self, path: Path, key: bytes, head: HeadStore, anchor: AnchorStore | None = None,
                 actor: Actor | None = None) -> None:
        """``key``: the audit key (32 bytes from the keyring); ``head``: e.g. the privacy ledger;
        ``anchor``: where each append also records the head and the head store's version, so
        that a rollback of both the log and the head store is refused and seen by :meth:`verify`;
        ``actor``: who the appended entries name (default: :func:`current_actor`)."""
        if len(key) < 16:
            raise AuditError("the audit key is too short")
        self.path = Path(path)
        self._key = key
        self._head = head
        self._anchor = anchor
        self.actor = actor or current_actor()

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with exclusive_lock(self.path.with_name(self.path.name + ".lock")):
            yield

    def append(self, op: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Append one entry for operation ``op`` and record the new head; return the entry."""
        if not op or len(op) > 64 or not op.replace(".", "").replace("_", "").isalnum():
            raise AuditError(f"audit operation {op!r} is not a plain dotted name")
        body = check_fields(fields)
        with self._locked():
            seq, prev = self._next()
            problem = self._behind_anchor(seq)
            if problem:
                raise AuditError(problem)
            entry: dict[str, Any] = {"seq": seq, "time": _now(), "user": self.actor.user, "host": self.actor.host,
                                     "op": op, "fields": body, "prev": prev}
            entry["mac"] = entry_mac(self._key, entry)
            line = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
            try:
                os.write(fd, line.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
            version = self._head.set_audit_head(seq, entry["mac"])
            if self._anchor is not None:
                self._anchor.write(Anchored(seq, entry["mac"], version))
        return entry

    def rollback_problem(self) -> str | None:
        """Why the next append would be refused because the log or the ledger is behind the
        anchor (a quick check before any work), or None. Read under the append lock, so an
        append in another process cannot fall between reading the head and the anchor."""
        with self._locked():
            return self._behind_anchor(self._next()[0])

    def _behind_anchor(self, seq: int) -> str | None:
        """Why entry ``seq`` must not be appended: the anchor is already at or past it, or the
        head store is below the anchored version (the log or the ledger was rolled back or
        deleted); None when neither."""
        if self._anchor is None:
            return None
        anchored = self._anchor.read()
        if anchored is None:
            return None
        if anchored.count >= seq:
            return (f"{self._anchor.where} anchors entry {anchored.count}, but the log and the ledger end at "
                    f"entry {seq - 1}: they were rolled back or deleted")
        version = self._head.seal_version()
        if version < anchored.ledger_version:
            return (f"{self._anchor.where} anchors ledger version {anchored.ledger_version}, but the privacy "
                    f"ledger is at version {version}: it was rolled back or deleted")
        return None

    def _next(self) -> tuple[int, str]:
        """The seq and prev of the next entry.

        Normally the log's last entry and the head agree. When they do not, the chain goes on
        from the head, so a cut or damaged tail stays visible to :meth:`verify`; the one
        exception is a valid entry just past the head (a crash between writing it and
        recording the head), which is adopted.
        """
        head = self._head.audit_head()
        last = self._last_entry()
        if last is not None and last.get("mac") == entry_mac(self._key, last):
            seq, mac = last.get("seq"), str(last.get("mac"))
            if head is None or (seq, mac) == head or (seq == head[0] + 1 and last.get("prev") == head[1]):
                return int(seq) + 1, mac  # type: ignore[arg-type]
        if head is not None:
            return head[0] + 1, head[1]
        return 1, ""

    def tail_problem(self) -> str | None:
        """Why the log's end disagrees with the recorded head (a quick check before appending:
        the full one is :meth:`verify`), or None. A valid entry just past the head is a crash
        between writing it and recording the head, not a problem. Read under the append lock."""
        with self._locked():
            return self._tail_problem()

    def _tail_problem(self) -> str | None:
        head = self._head.audit_head()
        last = self._last_entry()
        if last is None:
            if head is not None and head[0] > 0:
                return f"the log is empty or missing but the ledger records {head[0]} entries"
            return None
        if last.get("mac") != entry_mac(self._key, last):
            return "the log's last entry does not match its mac"
        if head is None:
            return "the log holds entries but the ledger records no audit head"
        seq, mac = last.get("seq"), last.get("mac")
        if (seq, mac) == head or (seq == head[0] + 1 and last.get("prev") == head[1]):
            return None
        return f"the log ends at entry {seq} but the ledger records {head[0]} entries"

    def _last_entry(self) -> dict[str, Any] | None:
        """The last line of the log, parsed (None for an empty or missing log, or an unparsable line)."""
        try:
            with self.path.open("rb") as handle:
                end = handle.seek(0, os.SEEK_END)
                size, chunk = 0, b""
                while size < end:
                    size = min(end, size + 65536)
                    handle.seek(end - size)
                    chunk = handle.read(size)
                    if chunk.rstrip(b"\n").count(b"\n") >= 1:
                        break
        except FileNotFoundError:
            return None
        lines = chunk.rstrip(b"\n").split(b"\n")
        if not lines or not lines[-1]:
            return None
        try:
            entry = json.loads(lines[-1])
        except (ValueError, UnicodeDecodeError):
            return None
        return entry if isinstance(entry, dict) else None

    def verify(self) -> AuditVerification:
        """Check every entry's mac, seq and chain link, then the last one against the head and
        both against the anchor; under the append lock, so an append cannot fall in between."""
        with self._locked():
            return self._verify()

    def _verify(self) -> AuditVerification:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            data = b""
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()  # the newline that ends the last line
        prev = ""
        anchored = None if self._anchor is None else self._anchor.read()
        anchored_mac = None
        for number, raw in enumerate(lines, 1):
            bad = self._check_line(raw, number, prev)
            if isinstance(bad, AuditVerification):
                return bad
            prev = bad
            if anchored is not None and number == anchored.count:
                anchored_mac = bad
        result = self._check_head(len(lines), prev)
        if not result.ok or anchored is None:
            return result
        return self._check_anchor(anchored, len(lines), anchored_mac)

    def _check_anchor(self, anchored: Anchored, count: int, mac: str | None) -> AuditVerification:
        """The log and the head store against the anchor: neither may be behind it."""
        where = self._anchor.where if self._anchor is not None else "the anchor"
        if count < anchored.count:
            return AuditVerification(False, count, count + 1, count + 1,
                                     f"entry {anchored.count}: missing; {where} anchors entry {anchored.count} but "
                                     f"the log and the ledger end at entry {count}: both were rolled back, cut "
                                     "or deleted")
        if anchored.count and (mac is None or not hmac.compare_digest(mac, anchored.mac)):
            return AuditVerification(False, anchored.count - 1, anchored.count, anchored.count,
                                     f"entry {anchored.count} (line {anchored.count}): differs from the entry "
                                     f"{where} anchors: the log was replaced")
        version = self._head.seal_version()
        if version < anchored.ledger_version:
            return AuditVerification(False, count, None, None,
                                     f"the privacy ledger is at version {version} but {where} anchors version "
                                     f"{anchored.ledger_version}: the ledger was rolled back")
        return AuditVerification(True, count)

    def _check_line(self, raw: bytes, number: int, prev: str) -> str | AuditVerification:
        """The line's mac when it is good, else the failure naming it."""
        good = number - 1

        def fail(reason: str, seq: int | None = None) -> AuditVerification:
            where = f"entry {seq} (line {number})" if seq is not None else f"line {number}"
            return AuditVerification(False, good, seq, number, f"{where}: {reason}")

        try:
            entry = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return fail("not a JSON object: the line was damaged or written by hand")
        if not isinstance(entry, dict) or frozenset(entry) not in _KEY_SETS:
            return fail("not an audit entry: the line was damaged or written by hand")
        if any(not isinstance(entry.get(k, ""), str) for k in _ACTOR_KEYS):
            return fail("its user or host is not a name: the line was damaged or written by hand")
        seq = entry["seq"] if isinstance(entry["seq"], int) and not isinstance(entry["seq"], bool) else None
        if not hmac.compare_digest(str(entry["mac"]), entry_mac(self._key, entry)):
            return fail("its mac does not match: the entry was edited, or written without the audit key", seq)
        if seq != number:
            return fail(f"holds seq {entry['seq']} where seq {number} belongs: "
                        "an entry was deleted, inserted or moved", seq)
        if entry["prev"] != prev:
            return fail("does not link to the entry before it: an entry was deleted, inserted or moved", seq)
        return str(entry["mac"])

    def _check_head(self, count: int, last_mac: str) -> AuditVerification:
        head = self._head.audit_head()
        if head is None:
            if count:
                return AuditVerification(False, count, count, count,
                                         f"the log holds {count} entries but the ledger records no audit head: "
                                         "the ledger was replaced or deleted")
            return AuditVerification(True, 0)
        recorded, mac = head
        if count < recorded:
            return AuditVerification(False, count, count + 1, count + 1,
                                     f"entry {count + 1}: missing; the log ends at entry {count} but the ledger "
                                     f"records {recorded} entries: the end of the log was cut off")
        if count > recorded:
            return AuditVerification(False, recorded, recorded + 1, recorded + 1,
                                     f"entry {recorded + 1} (line {recorded + 1}): after the last entry the ledger "
                                     f"records ({recorded}): appended outside medsum")
        if count and not hmac.compare_digest(last_mac, mac):
            return AuditVerification(False, count - 1, count, count,
                                     f"entry {count} (line {count}): differs from the last entry the ledger "
                                     "records: the end of the log was replaced")
        return AuditVerification(True, count)
