"""Phone, fax, email, URL and IP address detection."""

from __future__ import annotations

import pytest

from privacy.deid.patterns import detect_patterns
from privacy.phi import PhiCategory as C


def found(text: str, *categories: C) -> list[tuple[str, str]]:
    return [(d.category.value, text[d.start:d.end]) for d in detect_patterns(text)
            if not categories or d.category in categories]


@pytest.mark.parametrize("number", [
    "(555) 234-5678", "(555)234-5678", "555-234-5678", "555.234.5678", "555 234 5678", "+1 555 234 5678",
    "+1-555-234-5678", "+1 (555) 234-5678", "5552345678", "1-800-234-5678", "555-234-5678 x123",
    "(555) 234-5678 ext. 12",
])
def test_phone_formats(number: str) -> None:
    assert found(f"Pt reachable at {number} after 5 pm.", C.PHONE, C.FAX) == [("PHONE", number)]


def test_fax_needs_a_fax_word_before_or_after() -> None:
    assert found("Fax summary to 555-234-5678.", C.PHONE, C.FAX) == [("FAX", "555-234-5678")]
    assert found("Referral faxed to St. Mary Medical Center at (555) 234-5678 on 3/14.", C.PHONE, C.FAX) == [
        ("FAX", "(555) 234-5678")]
    assert found("F: 555.234.5678", C.PHONE, C.FAX) == [("FAX", "555.234.5678")]
    assert found("Office 555-234-5678 (fax)", C.PHONE, C.FAX) == [("FAX", "555-234-5678")]
    assert found("Fax 555-234-5678, phone 555-876-5432.", C.PHONE, C.FAX) == [
        ("FAX", "555-234-5678"), ("PHONE", "555-876-5432")]
    assert found("Outside records faxed from X. Pt reachable at 555-876-5432.", C.PHONE, C.FAX) == [
        ("PHONE", "555-876-5432")]


def test_local_seven_digit_number_only_after_a_phone_word() -> None:
    assert found("Call 234-5678 with results.", C.PHONE) == [("PHONE", "234-5678")]
    assert found("CPT 234-5678 billed.", C.PHONE) == []


@pytest.mark.parametrize("text", [
    "MRN 5552345678 on the band.",  # an id, not a phone
    "NPI 2345678901.",
    "Platelets 150000, WBC 12.5, Na 140, K 4.1.",
    "BP 120/80 HR 72 RR 16 T 98.6",
    "Dose 1000 mg then 500 mg q6h.",
    "Pain 7/10, 120 130 140 over three readings.",
    "Account 1234567890 closed.",
])
def test_numbers_that_are_not_phones(text: str) -> None:
    assert found(text, C.PHONE, C.FAX) == []


def test_bare_ten_digits_need_a_valid_area_code() -> None:
    assert found("Callback 3073341885 today.", C.PHONE) == [("PHONE", "3073341885")]
    assert found("Ref 1234567890 today.", C.PHONE) == []


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
