"""Resolve template placeholders for one encounter into text pieces tagged with PHI categories.

Every placeholder of :mod:`core.synth.templates` is either a fixed value of the encounter
(table :data:`FIXED`) or a ``_p_<name>`` method that picks a surface form. Values vary per
use (a date may be written ``03/14/2023`` in one sentence and ``Mar 14`` in the next), but
always describe the same encounter: the age matches the date of birth and the visit date,
a relative's phone follows the relative just mentioned, and so on.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta

from privacy.phi import PhiCategory as C

from core.synth.formats import DATE_STYLES, FULL_DATE_STYLES, PHONE_STYLES, format_date, format_phone
from core.synth.people import Clinician, Relative
from core.synth.textbuilder import Piece
from core.synth.world import Encounter, World

__all__ = ["FIXED", "NoteContext"]

_Pieces = Sequence[Piece]

# Placeholders with one value per encounter: (getter, PHI category or None).
FIXED: Mapping[str, tuple[Callable[[Encounter], str], C | None]] = {
    "pt_full": (lambda e: e.patient.person.full, C.NAME),
    "pt_last": (lambda e: e.patient.person.last, C.NAME),
    "pt_first": (lambda e: e.patient.person.first, C.NAME),
    "pt_initials": (lambda e: e.patient.person.initials, C.NAME),
    "pt_upper": (lambda e: e.patient.person.full.upper(), C.NAME),
    "pt_upper_last": (lambda e: e.patient.person.last.upper(), C.NAME),
    "email": (lambda e: e.patient.email, C.EMAIL),
    "mrn": (lambda e: e.patient.mrn, C.MRN),
    "ssn": (lambda e: e.patient.ssn, C.SSN),
    "member_id": (lambda e: e.patient.member_id, C.HEALTH_PLAN),
    "account": (lambda e: e.account, C.ACCOUNT),
    "street": (lambda e: e.patient.address.street, C.ADDRESS),
    "city": (lambda e: e.patient.address.city, C.CITY),
    "zip": (lambda e: e.patient.address.zip, C.ZIP),
    "facility": (lambda e: e.facility.name, C.FACILITY),
    "license": (lambda e: e.attending.license, C.LICENSE),
    "sx_dur": (lambda e: e.facts.duration.note, None),
    "dx": (lambda e: e.facts.diagnosis.written, None),
    "dept": (lambda e: e.facts.diagnosis.department, None),
    "fu": (lambda e: e.facts.followup.note, None),
    "vitals": (lambda e: e.facts.vitals.text, None),
}


def _join(items: Sequence[str], rng: random.Random) -> str:
    """A list as a note writes it: ``a, b and c``, ``a, b, c`` or ``a/b/c``."""
    if len(items) <= 1:
        return "".join(items)
    style = rng.random()
    if style < 0.5:
        return ", ".join(items[:-1]) + " and " + items[-1]
    if style < 0.8 or any(" " in i or "/" in i for i in items):
        return ", ".join(items)
    return "/".join(items)


class NoteContext:
    """Placeholder resolver for one encounter; pass :meth:`resolve` to ``TextBuilder.render``."""

    def __init__(self, rng: random.Random, encounter: Encounter, world: World) -> None:
        self.rng = rng
        self.enc = encounter
        self.world = world
        self._relative: Relative | None = None

    @classmethod
    def names(cls) -> frozenset[str]:
        """Every placeholder name a context resolves."""
        return frozenset(FIXED) | frozenset(n[3:] for n in dir(cls) if n.startswith("_p_"))

    def resolve(self, name: str) -> Piece | _Pieces:
        """The pieces for placeholder ``name``; KeyError for an unknown one."""
        fixed = FIXED.get(name)
        if fixed is not None:
            return Piece(fixed[0](self.enc), fixed[1])
        method: Callable[[], Piece | _Pieces] | None = getattr(self, "_p_" + name, None)
        if method is None:
            raise KeyError(name)
        return method()

    def _fixed(self, name: str) -> Piece:
        getter, category = FIXED[name]
        return Piece(getter(self.enc), category)

    # --- patient names -------------------------------------------------------------
    def _p_pt_title(self) -> _Pieces:
        """``Ms. Lopez`` (only the surname is PHI)."""
        person = self.enc.patient.person
        title = "Mr." if person.sex == "M" else self.rng.choice(("Ms.", "Mrs.", "Ms."))
        return (Piece(title + " "), Piece(person.last, C.NAME))

    def _p_pt_ref(self) -> Piece | _Pieces:
        """Any reference: full name, title, ``pt Lopez``, first name or initials."""
        pick = self.rng.randrange(5)
        if pick == 1:
            return self._p_pt_title()
        if pick == 2:
            return (Piece(self.rng.choice(("Pt ", "pt "))), self._fixed("pt_last"))
        return self._fixed(("pt_full", "", "", "pt_first", "pt_initials")[pick])

    # --- age -----------------------------------------------------------------------
    def _p_age(self) -> Piece:
        """The age in years; PHI (AGE) only when over 89."""
        age = self.enc.age
        return Piece(str(age), C.AGE if age > 89 else None)

    def _sex_words(self) -> tuple[str, str, str]:
        return ("F", "woman", "female") if self.enc.patient.person.sex == "F" else ("M", "man", "male")

    def _p_age_np(self) -> _Pieces:
        """A noun phrase with article: ``a 68 y/o F``, ``an 81-year-old woman``, ``a woman aged 95``."""
        letter, noun, adj = self._sex_words()
        n = str(self.enc.age)
        art = "an " if n.startswith("8") or n in ("11", "18") else "a "
        pick = self.rng.randrange(5)
        if pick == 3:
            return (Piece(f"a {noun} aged "), self._p_age())
        suffix = (f" y/o {letter}", f"-year-old {noun}", f" yo {adj}", "", f"-year-old {adj} patient")[pick]
        return (Piece(art), self._p_age(), Piece(suffix))

    def _p_age_short(self) -> _Pieces:
        """Telegraphic age and sex: ``68F``, ``92 y/o M``, ``72-year-old female``."""
        letter, noun, adj = self._sex_words()
        suffix = self.rng.choice((letter, f" y/o {letter}", f"yo {letter}", f" yo {adj}", f"-year-old {adj}"))
        return (self._p_age(), Piece(suffix))

    # --- dates ---------------------------------------------------------------------
    def _date(self, d: date, styles: tuple[str, ...] = DATE_STYLES) -> Piece:
        return Piece(format_date(d, self.rng.choice(styles)), C.DATE)

    def _p_enc_date(self) -> Piece:
        """The visit date in any style."""
        return self._date(self.enc.when)

    def _p_dob(self) -> Piece:
        """The date of birth in a style that keeps the year."""
        return self._date(self.enc.patient.dob, FULL_DATE_STYLES)

    def _p_prior_date(self) -> Piece:
        """A date between a week and five years before the visit (never before adulthood)."""
        span = min(5 * 365, max(30, (self.enc.age - 1) * 365))
        return self._date(self.enc.when - timedelta(days=self.rng.randint(7, span)))

    def _p_fu_date(self) -> Piece:
        """The follow-up date: the visit plus the follow-up interval."""
        return self._date(self.enc.when + timedelta(days=self.enc.facts.followup.days))

    def _p_call_date(self) -> Piece:
        """The visit date or one of the two days after it."""
        return self._date(self.enc.when + timedelta(days=self.rng.randint(0, 2)))

    # --- clinicians ----------------------------------------------------------------
    def _doctor(self) -> Clinician:
        return self.enc.attending if self.rng.random() < 0.5 else self.rng.choice(self.world.physicians)

    def _p_dr(self) -> _Pieces:
        """``Dr. Chen``."""
        return (Piece("Dr. "), Piece(self._doctor().person.last, C.NAME))

    def _p_dr_full(self) -> _Pieces:
        """``Dr. Wei Chen``."""
        return (Piece("Dr. "), Piece(self._doctor().person.full, C.NAME))

    def _p_attending(self) -> _Pieces:
        """The attending as ``Dr. Chen`` or ``Dr. Wei Chen``."""
        person = self.enc.attending.person
        return (Piece("Dr. "), Piece(self.rng.choice((person.last, person.full)), C.NAME))

    def _p_clin_last(self) -> Piece:
        """A clinician's bare surname (``seen by Healey``)."""
        who = self.enc.attending if self.rng.random() < 0.4 else self.rng.choice(self.world.doctors)
        return Piece(who.person.last, C.NAME)

    def _p_nurse(self) -> _Pieces:
        """``RN Jane Smith``, ``nurse Smith``, ``Jane Smith, RN`` or ``RN Jane``."""
        person = self.rng.choice(self.world.nurses).person
        pick = self.rng.randrange(4)
        if pick == 0:
            return (Piece("RN "), Piece(person.full, C.NAME))
        if pick == 1:
            return (Piece("nurse "), Piece(person.last, C.NAME))
        if pick == 2:
            return (Piece(person.full, C.NAME), Piece(", RN"))
        return (Piece("RN "), Piece(person.first, C.NAME))

    # --- relatives -----------------------------------------------------------------
    def _current_relative(self) -> Relative:
        if self._relative is None:
            self._relative = self.rng.choice(self.enc.patient.relatives)
        return self._relative

    def _p_rel(self) -> _Pieces:
        """A relative by relation and name (``wife Linda``, ``daughter Linda Lopez``); becomes current."""
        self._relative = self.rng.choice(self.enc.patient.relatives)
        person, relation = self._relative.person, self._relative.relation
        pick = self.rng.randrange(3)
        if pick == 0:
            return (Piece(relation + " "), Piece(person.first, C.NAME))
        if pick == 1:
            return (Piece(relation + " "), Piece(person.full, C.NAME))
        return (Piece(f"pt's {relation} "), Piece(person.first, C.NAME))

    def _p_rel_name(self) -> Piece:
        """The current relative's first or full name."""
        person = self._current_relative().person
        return Piece(self.rng.choice((person.first, person.full)), C.NAME)

    def _p_rel_phone(self) -> Piece:
        """The current relative's phone number in any style."""
        return Piece(format_phone(self._current_relative().phone, self.rng.choice(PHONE_STYLES)), C.PHONE)

    # --- contact details and identifiers -------------------------------------------
    def _p_phone(self) -> Piece:
        """The patient's phone number in any style."""
        return Piece(format_phone(self.enc.patient.phone, self.rng.choice(PHONE_STYLES)), C.PHONE)

    def _p_fax(self) -> Piece:
        """The patient's or the facility's fax number in any style."""
        digits = self.enc.patient.fax if self.rng.random() < 0.4 else self.enc.facility.fax
        return Piece(format_phone(digits, self.rng.choice(PHONE_STYLES)), C.FAX)

    def _p_address(self) -> _Pieces:
        """``12 Oak St, Springfield`` or with ``, IL 62704`` (the state is not PHI)."""
        pieces = (self._fixed("street"), Piece(", "), self._fixed("city"))
        if self.rng.random() < 0.4:
            pieces += (Piece(f", {self.enc.patient.address.state} "), self._fixed("zip"))
        return pieces

    def _p_facility_short(self) -> Piece:
        """The facility's initialism (``SMMC``) or its name."""
        fac = self.enc.facility
        return Piece(fac.abbrev if fac.abbrev and self.rng.random() < 0.6 else fac.name, C.FACILITY)

    def _p_other_facility(self) -> Piece:
        """Any facility of the corpus (referrals, outside records)."""
        return Piece(self.rng.choice(self.world.facilities).name, C.FACILITY)

    def _p_url(self) -> Piece:
        """A patient-portal URL on the facility's domain."""
        p, domain = self.enc.patient, self.enc.facility.domain
        url = self.rng.choice((
            f"https://portal.{domain}/p/{p.portal_id}", f"https://mychart.{domain}/patient/{p.portal_id}",
            f"http://www.{domain}/records?id={p.mrn}", f"https://{domain}/patients/{p.portal_id}",
        ))
        return Piece(url, C.URL)

    def _p_ip(self) -> Piece:
        """An IPv4 address, private or public."""
        r = self.rng
        prefix = r.choice((f"10.{r.randint(0, 255)}", "192.168", f"172.{r.randint(16, 31)}",
                           f"{r.randint(24, 99)}.{r.randint(0, 255)}"))
        return Piece(f"{prefix}.{r.randint(0, 255)}.{r.randint(1, 254)}", C.IP)

    def _p_device(self) -> Piece:
        """A device serial number."""
        r = self.rng
        serial = f"{r.choice(('PJN', 'RNB', 'SN-', 'MDT'))}{r.randint(100000, 9999999)}{r.choice('HNRS')}"
        return Piece(serial, C.DEVICE)

    def _p_plate(self) -> Piece:
        """A licence plate."""
        r = self.rng
        letters = "".join(r.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3))
        return Piece(f"{r.randint(1, 9)}{letters}{r.randint(100, 999)}", C.VEHICLE)

    # --- clinical lists (never PHI) --------------------------------------------------
    def _p_sx(self) -> Piece:
        """The presenting symptoms, abbreviated."""
        return Piece(_join([s.written for s in self.enc.facts.symptoms], self.rng))

    def _p_hx(self) -> Piece:
        """The past medical history, abbreviated."""
        return Piece(_join([c.written for c in self.enc.facts.history], self.rng))

    def _p_med_names(self) -> Piece:
        """The medication names as the note writes them."""
        return Piece(_join([m.written for m in self.enc.facts.medications], self.rng))

    def _p_tests(self) -> Piece:
        """The ordered investigations, abbreviated."""
        return Piece(_join([t.written for t in self.enc.facts.investigations], self.rng))
