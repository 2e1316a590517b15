"""Network identifiers: email addresses, URLs and IP addresses.

IPv4 addresses are a branch of the number scan (``10.0.0.1``, not after ``v`` or
``version``); the rest are triggered scans that run only when their anchor occurs: ``@`` for
emails; ``://``, ``www.`` or a known top-level domain (``.org``) for URLs, each read within
its whitespace-delimited token; ``::`` or seven colons for IPv6. Emails live here rather
than with the phones because they are found the same way as URLs, and a token holding ``@``
is an email, never a URL.
"""

from __future__ import annotations

import ipaddress
import re

from privacy.deid.recognizers.base import Branch, Detection, Follow, Recognizer, Trigger
from privacy.deid.recognizers.text import reversed_before
from privacy.phi import PhiCategory as C

__all__ = ["RECOGNIZER"]

_Out = list[Detection]

_EMAIL = re.compile(r"(?<![\w.+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}(?![\w\-])")
_TLDS = ("com", "org", "net", "edu", "gov", "mil", "io", "us", "info", "biz", "health")
_TLD = r"(?:" + "|".join(_TLDS) + r")"
_TLD_HINT = re.compile(r"\." + _TLD + r"(?![a-z0-9\-])")
_URL = re.compile(
    r"(?<![\w@.\-/])(?:"
    r"(?:https?|ftp|sftp)://[^\s<>\"'{}|\\^`\[\]]+"
    r"|www\.[^\s<>\"'{}|\\^`\[\]]+"
    r"|(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+" + _TLD + r"(?![\w\-])(?::\d{2,5})?(?:[/?#][^\s<>\"'{}|\\^`\[\]]*)?"
    r")",
    re.IGNORECASE,
)
_URL_TRAIL = ".,;:!?'\""
_VERSION_REV = re.compile(r"\s*(?:v|\.?rev|noisrev)(?![a-z])")
_IPV6_HINT = re.compile(r"[0-9A-Fa-f:]:[0-9A-Fa-f]{0,4}:")
_IPV6 = re.compile(r"(?<![\w:.])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?![\w:])", re.IGNORECASE)


def _strip_url(url: str) -> str:
    while url and url[-1] in _URL_TRAIL:
        url = url[:-1]
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1]
        while url and url[-1] in _URL_TRAIL:
            url = url[:-1]
    return url


_URL_ANCHOR = re.compile(r"://|www\.|\." + _TLD + r"(?![a-z0-9\-])")
_TOKEN_BREAK = " \t\n\r<>\"'`"


def _urls(text: str, probe: str, out: _Out) -> None:
    """URLs, found from their anchors ("://", "www.", ".org") and read within their token."""
    done = -1
    for anchor in _URL_ANCHOR.finditer(probe):
        if anchor.start() < done:
            continue
        lo = anchor.start()
        while lo > 0 and text[lo - 1] not in _TOKEN_BREAK and anchor.start() - lo < 300:
            lo -= 1
        hi = anchor.end()
        while hi < len(text) and text[hi] not in _TOKEN_BREAK:
            hi += 1
        done = hi
        if "@" in text[lo:hi] and "://" not in text[lo:hi]:
            continue  # an email address
        while lo < anchor.start() and text[lo] in "([{<*_~":
            lo += 1
        m = _URL.match(text, lo, hi)
        if m is None:
            m = _URL.search(text, lo, hi)
        if m is not None:
            url = _strip_url(m.group(0))
            if "." in url and len(url) >= 4:
                out.append(Detection(m.start(), m.start() + len(url), C.URL, "url"))


def _ipv4(text: str, m: re.Match[str], out: _Out) -> None:
    octets = m.group(0).split(".")
    if any(int(o) > 255 or (len(o) > 1 and o[0] == "0") for o in octets):
        return
    if _VERSION_REV.match(reversed_before(text, m.start(), 10)):
        return
    out.append(Detection(m.start(), m.end(), C.IP, "ip.v4"))


def _ipv6(text: str, out: _Out) -> None:
    for m in _IPV6.finditer(text):
        candidate = m.group(0)
        if "::" not in candidate and candidate.count(":") < 7:
            continue
        try:
            ipaddress.IPv6Address(candidate)
        except ValueError:
            continue
        out.append(Detection(m.start(), m.end(), C.IP, "ip.v6"))


def _emails(text: str, probe: str, out: _Out) -> None:
    for m in _EMAIL.finditer(text):
        out.append(Detection(m.start(), m.end(), C.EMAIL, "email"))


def _urls_hinted(text: str, probe: str, out: _Out) -> None:
    """:func:`_urls` if a URL anchor is there: "://", "www." or a known top-level domain."""
    if "://" in probe or "www." in probe or _TLD_HINT.search(probe):
        _urls(text, probe, out)


def _ipv6_hinted(text: str, probe: str, out: _Out) -> None:
    """:func:`_ipv6` if "::" or seven colons with hex digits between them are there."""
    if "::" in text or (text.count(":") >= 7 and _IPV6_HINT.search(text)):
        _ipv6(text, out)


_IP = r"(?P<ip>(?<![\w.]\d)\d{0,2}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?!\w|\.\d))"

RECOGNIZER = Recognizer(
    name="web",
    order=20,
    priority={C.EMAIL: 0, C.URL: 1, C.IP: 2},
    branches=(Branch("ip", _IP, Follow.DOT, 10, _ipv4),),
    triggers=(
        Trigger(("@",), _emails),
        Trigger((".",), _urls_hinted),  # a URL holds a dot
        Trigger((":",), _ipv6_hinted),
    ),
    field_keys={
        **dict.fromkeys(("email", "email_address", "e_mail"), C.EMAIL),
        **dict.fromkeys(("url", "website", "homepage", "web"), C.URL),
        **dict.fromkeys(("ip", "ip_address", "ipv4", "ipv6"), C.IP),
    },
    surrogates={C.EMAIL: "_email", C.URL: "_url", C.IP: "_ip"},
)
