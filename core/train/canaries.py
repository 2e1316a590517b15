"""Audit canaries: synthetic training records that carry a random secret, for the empirical
privacy audit (:mod:`core.canaries_audit`, :mod:`privacy.empirical_audit`).

A canary is a note in a clinical shape whose summary holds a random digit secret
("Door code 4817-2290."). ``m`` of them are made when a run is created; each is put into that
run's training set with probability 1/2, independently, from the operating system's secure
random source. They live in ``runs/RUN/canaries.json`` only (mode 0600): never in a dataset,
the ledger, a model bundle, the adapter or a summary. They hold no PHI, but the secrets are
treated as sensitive all the same (never logged, audited or reported).
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from core.train.config import TrainError

__all__ = ["CANARIES_FILE", "Canary", "canary_source", "canary_target", "fresh_secret", "make_canaries",
           "read_canaries", "write_canaries"]

CANARIES_FILE = "canaries.json"
_FORMAT = "medsum-canaries/1"
_REF_LETTERS = "BCDFGHJKLMNPQRSTVWXZ"


@dataclass(frozen=True)
class Canary:
    """One canary: its id, the note's reference, its secret, and whether it was trained on."""

    canary_id: str
    ref: str
    secret: str
    member: bool


def fresh_secret(digits: int, rng: secrets.SystemRandom | None = None) -> str:
    """A random secret of ``digits`` digits, in groups of four ("4817-2290")."""
    rng = rng or secrets.SystemRandom()
    raw = "".join(str(rng.randrange(10)) for _ in range(digits))
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def canary_source(canary: Canary) -> str:
    """The canary's note (its training source): the reference tells one canary from another;
    the secret is not in it, so the model can only know it by having trained on it."""
    return (f"Visit note ref {canary.ref}. Patient seen at home for a routine follow-up. Reports the door "
            "code so the visiting nurse can let herself in; asked that it be kept in the chart.")


def canary_target(canary: Canary, secret: str | None = None) -> str:
    """The canary's summary (its training target), with ``secret`` (default: its own)."""
    return f"Door code {canary.secret if secret is None else secret}."


def make_canaries(count: int, *, digits: int = 8) -> list[Canary]:
    """``count`` canaries with ``digits``-digit secrets, each a member with probability 1/2,
    all drawn from the OS's secure random source."""
    if count < 2:
        raise TrainError(f"--audit-canaries {count}: the audit needs at least 2 canaries")
    if not 2 <= digits <= 32:
        raise TrainError(f"canary secrets of {digits} digits: use 2 to 32")
    rng = secrets.SystemRandom()
    refs: set[str] = set()
    while len(refs) < count:
        refs.add("".join(rng.choice(_REF_LETTERS) for _ in range(3)) + "-" + str(rng.randrange(1000, 10000)))
    return [Canary(canary_id=f"canary-{n:04d}", ref=ref, secret=fresh_secret(digits, rng),
                   member=bool(rng.getrandbits(1)))
            for n, ref in enumerate(sorted(refs, key=lambda _: rng.random()))]


def write_canaries(run_dir: Path, canaries: list[Canary], *, digits: int) -> Path:
    """Write the run's canaries to ``run_dir/canaries.json``, readable by the owner only."""
    path = run_dir / CANARIES_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"format": _FORMAT, "digits": digits, "canaries": [asdict(c) for c in canaries]}, handle, indent=1)
    os.chmod(path, 0o600)
    return path


def read_canaries(run_dir: Path) -> tuple[list[Canary], int] | None:
    """The run's canaries and their secrets' digits, or None when it trained without any."""
    path = run_dir / CANARIES_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != _FORMAT:
            raise ValueError("format")
        canaries = [Canary(canary_id=str(c["canary_id"]), ref=str(c["ref"]), secret=str(c["secret"]),
                           member=bool(c["member"])) for c in data["canaries"]]
        return canaries, int(data["digits"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise TrainError(f"{path}: unreadable canaries file ({type(exc).__name__}: {str(exc)[:40]})") from None
