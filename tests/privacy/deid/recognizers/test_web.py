"""Email, URL and IP address detection (the ``web`` recognizer)."""

from __future__ import annotations

import pytest

from privacy.deid.patterns import detect_patterns
from privacy.deid.recognizers.web import RECOGNIZER
from privacy.deid.recognizers.base import fold_key
from privacy.deid.recognizers.registry import DEFAULT_KEY_MAP
from privacy.phi import PhiCategory as C


def found(text: str, *categories: C) -> list[tuple[str, str]]:
    return [(d.category.value, text[d.start:d.end]) for d in detect_patterns(text)
            if not categories or d.category in categories]


@pytest.mark.parametrize("email", ["kristen.gutierrez63@hotmail.com", "dvilla69@yahoo.com", "a_b+x@mail.example.org",
                                   "J.Smith@Clinic.NET"])
def test_emails(email: str) -> None:
    assert found(f"Email instructions to {email}.", C.EMAIL, C.URL) == [("EMAIL", email)]


@pytest.mark.parametrize("url", [
    "https://portal.northkelly.org/p/79583", "http://www.maynardberg.org/records?id=1632704",
    "https://myers.org/patients/80452", "www.example.com", "portal.example.org/path/x", "mychart.hospital.com",
    "HTTPS://PORTAL.EXAMPLE.ORG/P/1",
])
def test_urls(url: str) -> None:
    hits = found(f"Results will post to {url}.", C.URL)
    assert hits == [("URL", url)]


def test_url_in_parentheses_and_not_domains_of_emails() -> None:
    assert found("(see https://x.org/a_(b)) and (www.y.com).", C.URL) == [
        ("URL", "https://x.org/a_(b)"), ("URL", "www.y.com")]
    assert found("Mail jo@gmail.com now.", C.URL) == []
    assert found("Dr.Smith e.g. i.e. q.d. 2.5mg", C.URL) == []


@pytest.mark.parametrize("ip", ["10.208.249.114", "192.168.0.1", "172.16.31.254", "45.237.127.96"])
def test_ipv4(ip: str) -> None:
    assert found(f"Login from {ip} flagged.", C.IP) == [("IP", ip)]


@pytest.mark.parametrize("text", ["Version 1.2.3.4 installed.", "Values 300.1.2.3 and 1.2.3", "Na 3.5.6 ok",
                                  "Ratio 12.5.10 and 999.999.999.999"])
def test_not_ipv4(text: str) -> None:
    assert found(text, C.IP) == []


def test_ipv6() -> None:
    assert found("Hub at 2001:db8::8a2e:370:7334 and fe80::1.", C.IP) == [
        ("IP", "2001:db8::8a2e:370:7334"), ("IP", "fe80::1")]
    assert found("Doctor: 11:30:00 Patient: ok", C.IP) == []


def test_declaration() -> None:
    assert RECOGNIZER.categories == (C.EMAIL, C.URL, C.IP)
    assert {DEFAULT_KEY_MAP[fold_key(k)] for k in ("e-mail", "website", "ipAddress")} == {C.EMAIL, C.URL, C.IP}
