"""Replacement values: realistic, format-keeping surrogates, or ``[CATEGORY]`` redaction.

Surrogates are chosen by a keyed HMAC of the patient, the category and the folded value,
so the same value maps to the same surrogate everywhere in one patient's records and in
every run that uses the same secret, and nothing about the real value can be recovered
without the secret. Dates move by one offset per patient, so intervals between them stay
true; ages over 89 become "90+".
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from faker.providers.address.en_US import Provider as _Address
from faker.providers.person.en_US import Provider as _Person

from privacy.deid.dates import shift_date
from privacy.deid.known import GENERIC_FACILITY_WORDS
from privacy.deid.recognizers.registry import SURROGATES
from privacy.phi import PhiCategory

__all__ = ["Replacer", "redact"]


def _names(source: Iterable[object]) -> tuple[str, ...]:
    return tuple(sorted({str(n) for n in source if str(n).isalpha()}))


@lru_cache(maxsize=1)
def _lists() -> dict[str, tuple[str, ...]]:
    """Surrogate vocabularies from Faker's en_US lists (MIT licence)."""
    return {
        "first": _names(_Person.first_names),
        "last": _names(_Person.last_names),
        "city_prefix": tuple(_Address.city_prefixes),
        "city_suffix": tuple(_Address.city_suffixes),
        "street_suffix": tuple(_Address.street_suffixes),
    }


_FIRST_FOLDED = frozenset(n.casefold() for n in _lists()["first"])
_STREET_WORDS = frozenset(s.casefold() for s in _lists()["street_suffix"]) | {
    "st", "st.", "ave", "ave.", "rd", "rd.", "blvd", "ln", "dr", "dr.", "ct", "apt", "apt.", "suite", "ste",
    "unit", "#", "po", "box", "p.o.", "n", "s", "e", "w", "north", "south", "east", "west",
}
_COMMON_EMAIL = frozenset({"gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "aol.com", "icloud.com"})
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_INITIALS_ONLY = re.compile(r"(?:[A-Z]\.\s?){1,4}")
_COUNTRY_CODE = re.compile(r"\s*\+\d{1,3}[\s.-]*")
_FACILITY_ABBR = re.compile(r"[A-Z]{2,8}")
_FIRST_POOL, _LAST_POOL = _lists()["first"], _lists()["last"]
# _chars: what a keystream byte turns a digit, a lower-case and an upper-case ASCII letter into.
_DIGIT_FOR_BYTE = tuple(str(b % 10) for b in range(256))
_LOWER_FOR_BYTE = tuple(chr(ord("a") + b % 26) for b in range(256))
_UPPER_FOR_BYTE = tuple(letter.upper() for letter in _LOWER_FOR_BYTE)
_ASCII_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
_ASCII_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
# _chars of an ASCII text: for each character code, what each keystream byte turns it into (the
# three tables above, or the character itself 256 times), so a character costs two indexings.
_ASCII_FOR_BYTE = tuple(
    _DIGIT_FOR_BYTE if chr(c).isdigit() else _LOWER_FOR_BYTE if chr(c) in _ASCII_LOWER
    else _UPPER_FOR_BYTE if chr(c) in _ASCII_UPPER else (chr(c),) * 256
    for c in range(128)
)
_FIRST_DIGIT = re.compile(r"[0-9]")
# Each category's label, read from a dict: ``.value`` off an enum member runs a Python-level descriptor.
_LABELS: dict[PhiCategory, str] = {category: category.value for category in PhiCategory}


class _HmacSha256:
    """HMAC-SHA256 under one fixed key, with the keyed inner and outer hash states computed once.

    The output is exactly ``hmac.digest(key, message, "sha256")`` (RFC 2104): a test checks it.
    ``hmac.digest`` sets the key up again on every call, and through OpenSSL 3 that cost
    about 3.5 µs a call, four times this; a corpus makes several draws per identifier.
    """

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes) -> None:
        """Prepare the hash states for ``key`` (a key longer than a block is hashed first)."""
        if len(key) > 64:
            key = hashlib.sha256(key).digest()
        key = key.ljust(64, b"\0")
        self._inner = hashlib.sha256(key.translate(_IPAD))
        self._outer = hashlib.sha256(key.translate(_OPAD))

    def digest(self, message: bytes) -> bytes:
        """The 32-byte HMAC-SHA256 of ``message``."""
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


_IPAD = bytes(b ^ 0x36 for b in range(256))
_OPAD = bytes(b ^ 0x5C for b in range(256))


def redact(category: PhiCategory) -> str:
    """The redaction tag for a category, e.g. ``[NAME]``."""
    return f"[{category.value}]"


_MONTHS = ("january", "february", "march", "april", "june", "july", "august", "september", "october", "november",
           "december")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DATE_PART = re.compile(
    r"(?P<day>\d{1,2})(?P<ord>st|nd|rd|th|ST|ND|RD|TH)(?![a-z])"
    r"|(?P<month>(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?))(?![a-z])"
    r"|(?P<weekday>(?i:mon|tues?|wed|thur?s?|fri|sat|sun)(?:day)?)(?![a-z])"
    r"|\d+")


def _match_case(template: str, word: str) -> str:
    if template.isupper() and len(template) > 1:
        return word.upper()
    if template.islower():
        return word.lower()
    return word[:1].upper() + word[1:].lower()


class Replacer:
    """Surrogates for one patient, from the secret and the patient's key."""

    def __init__(self, secret: bytes, patient: str, *, max_shift_days: int = 365) -> None:
        self._mac = _HmacSha256(hmac.digest(secret, b"medsum-surrogate\x1f" + patient.encode(), "sha256"))
        draw = self._draw("date-shift", "")
        days = 1 + draw % max_shift_days
        self.date_offset = -days if (draw >> 32) & 1 else days
        self._cache: dict[tuple[PhiCategory, str], str] = {}
        self._words: dict[str, str] = {}  # name words (see _name_word)

    def _draw(self, category: str, value: str) -> int:
        digest = self._mac.digest(f"{category}\x1f{value}".encode())
        return int.from_bytes(digest[:8], "big")

    def _pick(self, pool: tuple[str, ...], category: str, value: str) -> str:
        return pool[self._draw(category, value.casefold()) % len(pool)]

    def replace(self, category: PhiCategory, text: str) -> str:
        """The surrogate for ``text`` of ``category``, keeping its format."""
        cached = self._cache.get((category, text))
        if cached is None:
            handler = _HANDLERS.get(category)
            cached = handler(self, text) if handler else self._chars(_LABELS[category], text)
            self._cache[(category, text)] = cached
        return cached

    # -- per-category surrogates -------------------------------------------------------
    def _chars(self, category: str, text: str) -> str:
        """Digits to digits and letters to letters (case kept); punctuation stays."""
        seed = self._mac.digest(f"{category}\x1f{text.casefold()}".encode())
        stream = hashlib.shake_256(seed).digest(len(text))
        if text.isascii():  # the same choices as the loop below, by table (ASCII digits are 0-9)
            return "".join([_ASCII_FOR_BYTE[c][b] for c, b in zip(text.encode("ascii"), stream)])
        out = []
        for ch, b in zip(text, stream):
            if ch.isdigit():
                out.append(_DIGIT_FOR_BYTE[b])
            elif ch in _ASCII_LOWER:
                out.append(_LOWER_FOR_BYTE[b])
            elif ch in _ASCII_UPPER:
                out.append(_UPPER_FOR_BYTE[b])
            else:
                out.append(ch)
        return "".join(out)

    def _name_word(self, word: str) -> str:
        """One word of a name: a first name for a first name, else a last name, in its case.

        Kept per word: a patient's surname comes back in many name strings ("Mr. Jefferson",
        "Anna Jefferson"), and the surrogate of a word depends on the patient and the word alone."""
        new = self._words.get(word)
        if new is None:
            folded = word.casefold()
            pool = _FIRST_POOL if folded in _FIRST_FOLDED else _LAST_POOL
            # self._pick(pool, "NAME", word), with the word folded once
            new = self._words[word] = _match_case(word, pool[self._draw("NAME", folded) % len(pool)])
        return new

    def _name_match(self, m: re.Match[str]) -> str:
        return self._name_word(m.group(0))

    def _name(self, text: str) -> str:
        if _INITIALS_ONLY.fullmatch(text):  # initials
            return self._chars("NAME", text)
        if text.isascii():
            words = text.split(" ")
            # ASCII letters between single spaces (most names): each word is one _WORD match and
            # the spaces are what the substitution keeps, so this is the substitution's result.
            if all(map(str.isalpha, words)):
                return " ".join(map(self._name_word, words))
        return _WORD.sub(self._name_match, text)

    def _date(self, text: str) -> str:
        shifted = shift_date(text, self.date_offset)
        return shifted if shifted is not None else _DATE_PART.sub(lambda m: self._date_part(m, text), text)

    def _date_part(self, m: re.Match[str], text: str) -> str:
        """One part of a date the shift cannot read ("the 11th", "12-19", "tues"): a day with its
        ordinal, a month or weekday name of the same length and case, a number from 1 to 12 for
        one or two digits, other digits for longer numbers, drawn
        from the whole date so that the same date always gets the same surrogate."""
        part, key = m.group(0), f"{text}\x1f{m.start()}"
        if m.group("day"):
            day = 1 + self._draw("DATE", key) % 28
            suffix = "th" if 4 <= day <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
            return f"{day}{_match_case(m.group('ord'), suffix)}"
        if m.group("month") or m.group("weekday"):
            pool = _MONTHS if m.group("month") else _WEEKDAYS
            name = pool[self._draw("DATE", key) % len(pool)]
            return _match_case(part, name if len(part) > 4 else name[:len(part)])
        draw = self._draw("DATE", key)
        if len(part) <= 2:  # a month or a day: 1 to 12 reads as either
            return str(1 + draw % 12).zfill(len(part))
        return str(draw).zfill(len(part))[-len(part):]

    def _age(self, text: str) -> str:
        return "90+"

    def _phone(self, text: str) -> str:
        country = _COUNTRY_CODE.match(text)
        prefix, body = (text[: country.end()], text[country.end():]) if country else ("", text)
        out = self._chars("PHONE", body)
        # The digits of ``out`` are _chars's ASCII ones: every other digit of ``body`` was replaced.
        digit = _FIRST_DIGIT.search(out)
        first = digit.start() if digit is not None else None
        if first is not None and out[first] in "01":  # area codes start with 2-9
            out = out[:first] + str(int(out[first]) + 2) + out[first + 1:]
        return prefix + out

    def _email(self, text: str) -> str:
        local, _, domain = text.partition("@")
        name = self._pick(_lists()["first"], "EMAIL", local).lower()
        number = self._draw("EMAIL#", local) % 100
        domain = domain if domain.lower() in _COMMON_EMAIL else "example.org"
        return f"{name}{number}@{domain}"

    def _url(self, text: str) -> str:
        has_scheme = "://" in text
        parts = urlsplit(text if has_scheme else f"http://{text}")
        labels = parts.hostname.split(".") if parts.hostname else []
        keep = {"www", "portal", "mychart", "patient", "patients"}
        host = ".".join(
            label if i == len(labels) - 1 or label.lower() in keep
            else self._pick(_lists()["last"], "URL", label).lower()
            for i, label in enumerate(labels)
        )
        digits = lambda s: re.sub(r"\d+", lambda m: self._chars("URL", m.group(0)), s)
        rebuilt = urlunsplit((parts.scheme, host, digits(parts.path), digits(parts.query), digits(parts.fragment)))
        return rebuilt if has_scheme else rebuilt.split("://", 1)[1]

    def _ip(self, text: str) -> str:
        if ":" in text:
            return re.sub(r"[0-9a-fA-F]", lambda m: "0123456789abcdef"[self._draw("IP", text + str(m.start())) % 16],
                          text)
        octets = [str(1 + self._draw("IP", f"{text}#{i}") % 254) for i in range(4)]
        return ".".join(octets)

    def _address(self, text: str) -> str:
        def word(m: re.Match[str]) -> str:
            w = m.group(0)
            return w if w.casefold() in _STREET_WORDS else _match_case(w, self._pick(_lists()["last"], "ADDRESS", w))
        return re.sub(r"\d+", lambda m: self._chars("ADDRESS", m.group(0)), _WORD.sub(word, text))

    def _city(self, text: str) -> str:
        lists = _lists()
        draw = self._draw("CITY", text.casefold())
        name = self._pick(lists["last"], "CITY", text)
        if draw % 3 == 0:
            city = f"{lists['city_prefix'][draw % len(lists['city_prefix'])]} {name}"
        else:
            city = f"{name}{lists['city_suffix'][draw % len(lists['city_suffix'])]}"
        return city.upper() if text.isupper() else city

    def _facility(self, text: str) -> str:
        if _FACILITY_ABBR.fullmatch(text):
            return self._chars("FACILITY", text)

        def word(m: re.Match[str]) -> str:
            w = m.group(0)
            if w.casefold() in GENERIC_FACILITY_WORDS:
                return w
            return _match_case(w, self._pick(_LAST_POOL, "FACILITY", w))
        return _WORD.sub(word, text)


# Each category's surrogate as its recognizer declares it (privacy.deid.recognizers): the name of
# a Replacer method or a function (replacer, text) -> surrogate. Other categories get _chars.
_HANDLERS: dict[PhiCategory, Callable[[Replacer, str], str]] = {
    category: getattr(Replacer, surrogate) if isinstance(surrogate, str) else surrogate
    for category, surrogate in SURROGATES.items()
}
