"""The word lists behind the allow-list pass: safe words, US towns, and a site's own lists.

Where every list comes from (the README's "Word lists" table says the same):

- safe words: philter-lite's ``nonames`` set (BSD-3-Clause; the allow-list of UCSF Philter:
  English and medical words with people's names taken out), plus MedSum's own common and
  clinical words, drug names, units, abbreviations and eponyms (:mod:`privacy.deid.protect`,
  :mod:`privacy.deid.name_lexicon`), and the US states' postal codes;
- minus every word that MedSum's name lexicon (Faker's first and last names, MIT) calls a
  *strong* name, one that is not also an English or medical word: such a word is never safe
  on its own ("linda", "okafor");
- US towns and cities: every city name and accepted alternative of the ``zipcodes`` package
  (MIT; USPS ZIP code data), lower-cased, single words and phrases;
- a site's lists, from the IT policy (``[deid]`` ``allow_words``/``deny_words`` and the files
  ``allow_words_file``/``deny_words_file``): local drug names, departments and abbreviations
  to keep; hospital names, local towns and a staff roster to always remove.

Everything is lower-cased (``str.lower``, the same fold the pass applies to the text) and
loaded once per process, on first use.
"""

from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from privacy.phi import PhiCategory

__all__ = ["CHAINS", "SiteLists", "WordLists", "base_allow_words", "city_names", "forget_word_lists", "name_words",
           "read_site_file", "site_lists", "town_names", "word_lists"]

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def _philter_set(name: str) -> frozenset[str]:
    """One of philter-lite's word sets (``nonames``, ``firstnames``, ``lastnames``), lower-case.

    The set file is a 5 MB TOML table whose values are arrays of plain quoted words, one array
    a line; a line is split on its quotes (far faster than a full TOML parse), and the full
    parse is the fallback if the file's layout ever changes.
    """
    spec = importlib.util.find_spec("philter_lite")  # located, not imported: its import pulls in NLTK
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("philter-lite is not installed: it provides the allow-list of safe words")
    text = (Path(list(spec.submodule_search_locations)[0]) / "filters" / "set.toml").read_text(encoding="utf-8")
    head = f'{name} = [ "'
    for line in text.splitlines():
        body = line.strip()
        if body.startswith(head) and body.endswith('",]') and "\\" not in body:
            return frozenset(body[len(head):-len('",]')].lower().split('", "')) - {""}
    import tomllib

    return frozenset(w.lower() for w in tomllib.loads(text)[name] if w)


@lru_cache(maxsize=1)
def _philter_safe_words() -> frozenset[str]:
    """philter-lite's ``nonames`` allow-list (about 195,000 lower-case words)."""
    return _philter_set("nonames")


@lru_cache(maxsize=1)
def name_words() -> frozenset[str]:
    """Words that can be a person's name (philter-lite's first and last names, about 250,000,
    and MedSum's name lexicon), less pure function words ("will", "may", "the")."""
    from privacy.deid.name_lexicon import LEXICON, NEVER_NAMES

    names = _philter_set("firstnames") | _philter_set("lastnames") | frozenset(w.lower() for w in LEXICON)
    return (names | _NICKNAMES) - NEVER_NAMES


# Short forms of given names that neither list holds ("son art called", "Gus"): names only after a
# person cue, like every safe word that is also a name.
_NICKNAMES = frozenset("""
art bud chip skip sal vic hal gus pete al ed rob bob dot sue pat deb val kit jo bea ned ted fred abe
""".split())


@lru_cache(maxsize=1)
def town_names() -> tuple[frozenset[str], frozenset[str]]:
    """US town and city names from the ``zipcodes`` package: (single words, phrases).

    Reading the package's 42,000 ZIP rows takes over a second, so the names are kept in a
    per-user cache file named by the package's version (rebuilt when it is missing or
    unreadable; a cache that cannot be written is only skipped)."""
    from importlib.metadata import version

    import platformdirs

    cache = Path(platformdirs.user_cache_dir("medsum", appauthor=False)) / f"us-towns-{version('zipcodes')}.txt"
    try:
        names = set(cache.read_text(encoding="utf-8").splitlines()) - {""}
    except (OSError, UnicodeDecodeError):
        names = set()
    if len(names) < 10_000:
        import zipcodes

        for row in zipcodes.list_all():
            names.add(row["city"].lower())
            names.update(c.lower() for c in row.get("acceptable_cities") or ())
        _write_cache(cache, "\n".join(sorted(names)) + "\n")
    single = frozenset(n for n in names if " " not in n and "-" not in n)
    return single, frozenset(names - single)


@lru_cache(maxsize=1)
def city_names() -> frozenset[str]:
    """Single-word names of large US cities, those with at least 8 standard ZIP codes in one
    state (from the ``zipcodes`` package), that are a first name or no common word: "dallas",
    "cleveland", "phoenix", but not "reading" or "mobile". A place cue before
    one ("home to dallas") makes it a town even though common English has the word.

    Kept in a per-user cache file like :func:`town_names`."""
    from importlib.metadata import version

    import platformdirs

    from privacy.deid.vocab import VOCAB

    cache = Path(platformdirs.user_cache_dir("medsum", appauthor=False)) / f"us-cities-{version('zipcodes')}.txt"
    try:
        large = set(cache.read_text(encoding="utf-8").splitlines()) - {""}
    except (OSError, UnicodeDecodeError):
        large = set()
    if len(large) < 50:
        import zipcodes

        counts: dict[tuple[str, str], int] = {}
        for row in zipcodes.list_all():
            if row.get("zip_code_type") == "STANDARD":
                key = (row["city"].lower(), row["state"])
                counts[key] = counts.get(key, 0) + 1
        large = {city for (city, _), n in counts.items() if n >= 8 and " " not in city and "-" not in city}
        _write_cache(cache, "\n".join(sorted(large)) + "\n")
    first = _philter_set("firstnames")
    return frozenset(c for c in large if c not in VOCAB or c in first)


def _write_cache(path: Path, text: str) -> None:
    """Write a cache file atomically; a cache that cannot be written is skipped."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass


@lru_cache(maxsize=1)
def base_allow_words() -> frozenset[str]:
    """The built-in safe words: philter-lite's list and MedSum's vocabulary, minus strong names."""
    from privacy.deid.name_lexicon import COMMON_WORDS, STRONG, WORD_CLASS
    from privacy.deid.protect import PROTECTED_TERMS

    from privacy.deid.recognizers.locations import STATE_CODES

    medical = frozenset(w.lower() for w in PROTECTED_TERMS)
    strong = {w for w, cls in WORD_CLASS.items() if cls == STRONG}
    safe = (_philter_safe_words() | frozenset(w.lower() for w in COMMON_WORDS)) - strong
    return safe | medical | STATE_CODES  # a state is not PHI; its name may be a person's ("Georgia")


def read_site_file(path: Path) -> list[str]:
    """The entries of a site word list: one word or phrase a line, ``#`` starts a comment.

    A line may end with a tab and a PHI category (``Keane Memorial<TAB>FACILITY``) for the
    deny list. A missing, unreadable or non-UTF-8 file raises ``ValueError`` naming it.
    """
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise ValueError(f"{path}: a site word list must be UTF-8 text") from None
    except OSError as exc:
        raise ValueError(f"{path}: cannot read the site word list: {exc.strerror or exc}") from None
    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]


@dataclass(frozen=True)
class SiteLists:
    """A site's additions: words to keep and words or phrases (with a category) to remove."""

    allow: tuple[str, ...] = ()
    deny: tuple[tuple[str, PhiCategory], ...] = ()


def _parse_deny(entry: str) -> tuple[str, PhiCategory]:
    text, _, label = entry.partition("\t")
    category = PhiCategory(label.strip().upper()) if label.strip() else PhiCategory.UNKNOWN
    return " ".join(_WORD.findall(text.lower())), category


@dataclass(frozen=True)
class WordLists:
    """The lists one allow-list pass uses, site additions applied.

    ``allow``: lower-case safe words; ``deny_words``: single words that are always PHI, with
    their category; ``deny_phrases``: multi-word entries, by their first word; ``towns`` and
    ``town_phrases``: US town names; ``site_allow``: the site's own safe words, which no
    facility or town context overrides.
    """

    allow: frozenset[str]
    deny_words: dict[str, PhiCategory]
    deny_phrases: dict[str, tuple[tuple[tuple[str, ...], PhiCategory], ...]]
    towns: frozenset[str]
    town_phrases: frozenset[str]
    site_allow: frozenset[str] = frozenset()
    #: What the pass has learnt of each word token it has read (bits: see
    #: ``privacy.deid.allowpass.word_kind``), kept because the same words come back record after
    #: record: a word is looked up in the large lists once, not once per list in every text.
    kinds: dict[str, int] = field(default_factory=dict, compare=False, hash=False, repr=False)
    #: The words of ``kinds`` that are nothing but safe (most words of a note): a text's words
    #: less these are the few the pass looks at one by one.
    plain: set[str] = field(default_factory=set, compare=False, hash=False, repr=False)


def word_lists(site: SiteLists = SiteLists()) -> WordLists:
    """The built-in lists with a site's additions laid over them (cached per site)."""
    return _word_lists(site)


def forget_word_lists() -> None:
    """Drop the per-site lists and what the pass has memoized of each word in them, so that a
    benchmark's next run starts as a fresh process would (the large base lists stay loaded)."""
    _word_lists.cache_clear()


# Store chains whose name is no English or clinical word: a patient's pharmacy or store, a
# facility wherever it is named ("verified w/ walgreens on washington st"). A site's allow-list
# takes any of them back. ("CVS" is not here: it is also the cardiovascular system.)
CHAINS = frozenset("""
walgreens walgreen walmart kroger costco safeway publix meijer albertsons
""".split())


@lru_cache(maxsize=8)
def _word_lists(site: SiteLists) -> WordLists:
    site_words = frozenset(w.lower() for entry in site.allow for w in _WORD.findall(entry))
    deny_words: dict[str, PhiCategory] = dict.fromkeys(CHAINS - site_words, PhiCategory.FACILITY)
    phrases: dict[str, list[tuple[tuple[str, ...], PhiCategory]]] = {}
    for entry in site.deny:
        words = tuple(entry[0].split())
        if len(words) == 1:
            deny_words[words[0]] = entry[1]
        elif words:
            phrases.setdefault(words[0], []).append((words, entry[1]))
    site_allow = site_words - frozenset(deny_words)
    allow = (base_allow_words() | site_allow) - frozenset(deny_words)
    towns, town_phrases = town_names()
    return WordLists(allow, deny_words, {k: tuple(sorted(v, key=lambda p: -len(p[0]))) for k, v in phrases.items()},
                     towns, town_phrases, site_allow)


def site_lists(allow: list[str], deny: list[str], allow_file: Path | None, deny_file: Path | None) -> SiteLists:
    """A site's lists from the policy's inline entries and files (deny entries parsed)."""
    allow_all = list(allow) + (read_site_file(allow_file) if allow_file else [])
    deny_all = list(deny) + (read_site_file(deny_file) if deny_file else [])
    return SiteLists(tuple(allow_all), tuple(_parse_deny(e) for e in deny_all if _WORD.search(e)))
