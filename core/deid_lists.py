"""Which word lists and settings de-identification runs with, as names, sha256 digests and
entry counts: what the compliance report shows and a ``deid-eval`` record keeps, so that a
reviewer can tell whether a measured recall was measured with the lists in force now.

Never a list's entries: a site's deny list names its hospitals, towns and staff.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from privacy.deid.settings import DeidSettings

__all__ = ["lists_in_force", "settings_digest"]

_DATA = Path(__file__).resolve().parents[1] / "privacy" / "deid" / "data"


def _entries_digest(entries: list[str]) -> str:
    """The sha256 of a list's entries, one a line (so two sites with the same list agree)."""
    return hashlib.sha256("".join(f"{e}\n" for e in entries).encode("utf-8")).hexdigest()


def _file(path: Path, label: str, *, show_path: bool = True) -> dict[str, Any]:
    """Name, path (a site's file only: a built-in one is where MedSum is installed), sha256 and
    entry count of one list file; an unreadable one says so."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return {"name": label, "path": str(path) if show_path else None, "sha256": None, "entries": None,
                "error": f"cannot read: {exc.strerror or exc}"}
    text = data.decode("utf-8", "replace")
    entries = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    return {"name": label, "path": str(path) if show_path else None, "sha256": hashlib.sha256(data).hexdigest(),
            "entries": sum(1 for e in entries if e)}


def _package(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _builtin() -> list[dict[str, Any]]:
    """The built-in lists: philter-lite's word sets and MedSum's own data files."""
    out: list[dict[str, Any]] = []
    spec = importlib.util.find_spec("philter_lite")  # located, not imported (its import pulls in NLTK)
    if spec is not None and spec.submodule_search_locations:
        path = Path(list(spec.submodule_search_locations)[0]) / "filters" / "set.toml"
        entry = _file(path, f"safe words and name lists (philter-lite {_package('philter-lite') or '?'} set.toml)",
                      show_path=False)
        entry["entries"] = None  # a TOML table of several sets: its line count means nothing
        out.append(entry)
    else:
        out.append({"name": "safe words (philter-lite)", "path": None, "sha256": None, "entries": None,
                    "error": "philter-lite is not installed"})
    for name in ("drugs.txt", "common_words.txt"):
        out.append(_file(_DATA / name, f"MedSum privacy/deid/data/{name}", show_path=False))
    out.append({"name": f"US towns (zipcodes {_package('zipcodes') or '?'})", "path": None, "sha256": None,
                "entries": None})
    return out


def lists_in_force(settings: DeidSettings) -> dict[str, Any]:
    """The allow-list pass's switch, the built-in lists and the site's lists (inline entries
    counted and hashed, files named with their sha256 and entry count)."""
    site: list[dict[str, Any]] = []
    for kind, inline, file in (("allow", settings.allow_words, settings.allow_words_file),
                               ("deny", settings.deny_words, settings.deny_words_file)):
        if inline:
            site.append({"name": f"deid.{kind}_words (inline)", "path": None, "sha256": _entries_digest(inline),
                         "entries": len(inline)})
        if file is not None:
            site.append(_file(Path(file), f"deid.{kind}_words_file"))
    return {"allow_list_pass": settings.allow_list_pass, "builtin": _builtin(), "site": site,
            "key_map_entries": len(settings.key_map), "max_date_shift_days": settings.max_date_shift_days}


def settings_digest(settings: DeidSettings) -> str:
    """A sha256 over what decides which spans are found: the pass's switch, the key map, the
    site's lists (their entries and files' contents) and the built-in lists' digests. The
    strategy is left out: ``surrogate`` replaces exactly the spans ``redact`` does."""
    lists = lists_in_force(settings)
    body = {"allow_list_pass": settings.allow_list_pass, "key_map": dict(sorted(settings.key_map.items())),
            "site": [(s["name"], s["sha256"]) for s in lists["site"]],
            "builtin": [(b["name"], b["sha256"]) for b in lists["builtin"]]}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode("utf-8")).hexdigest()
