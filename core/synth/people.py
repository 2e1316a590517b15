"""The people, places and identifiers of the synthetic corpus.

Names are drawn by one seeded ``random.Random`` from Faker's en_US name tables (with their
frequency weights); addresses, cities and email domains come from one seeded
``faker.Faker("en_US")``. The same seed therefore always gives the same people. Names that are also ordinary words of the
notes (``Will``, ``May``, ``Rose``) or eponyms (``Parkinson``) are rejected, so a name never
hides inside non-PHI text; eponym surnames are given on purpose to a few clinicians only.
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from faker import Faker
from faker.providers.person.en_US import Provider as _NameProvider

from core.synth.formats import MONTHS, WEEKDAYS, random_phone_digits
from core.synth.lexicon import EPONYM_SURNAMES

__all__ = [
    "Address", "Clinician", "Facility", "Patient", "PeopleFactory", "Person", "Relative",
    "COMMON_WORD_NAMES", "RELATIONS",
]

# Names that are also common English words; never used so text like "will follow" stays clean.
COMMON_WORD_NAMES: frozenset[str] = frozenset(
    "amber april august autumn bill brook brooke chance christian crystal dale dawn destiny "
    "faith frank grace guy heather holly hope hunter ivy jade joy june lane major mark mason "
    "may miles page penny pearl ray rich river rose ruby sage sky star summer sunny violet will "
    "young long little white black brown green gray grey good best rice bush wood woods hall "
    "ward day cross price stone king park lee bell banks field fields moss hill hills ball "
    "case walker cook baker bond booth burns chase cash pope love mercy".split()
)

RELATIONS: dict[str, tuple[str, ...]] = {
    "F": ("husband", "daughter", "son", "sister", "brother", "niece", "friend", "neighbor", "mother"),
    "M": ("wife", "daughter", "son", "sister", "brother", "nephew", "friend", "neighbor", "mother"),
}
_RELATION_SEX = {"husband": "M", "son": "M", "brother": "M", "nephew": "M", "wife": "F", "daughter": "F",
                 "sister": "F", "niece": "F", "mother": "F"}
_SAINTS = ("Mary", "Joseph", "Luke", "Francis", "Vincent", "Jude", "Anne", "Elizabeth", "Michael", "Catherine")
_GENERIC_WORDS = frozenset(
    "of hospital medical center general community clinic regional university family health".split()
)
_FACILITY_PATTERNS = (
    "St. {saint} Medical Center", "{city} General Hospital", "{last} Memorial Hospital",
    "Mercy Hospital of {city}", "{city} Community Clinic", "{last} Regional Medical Center",
    "University Hospital of {city}", "{city} Family Health Center",
)


@dataclass(frozen=True)
class Person:
    """A named person; ``sex`` is ``"F"`` or ``"M"``."""

    first: str
    last: str
    sex: str

    @property
    def full(self) -> str:
        """First and last name."""
        return f"{self.first} {self.last}"

    @property
    def initials(self) -> str:
        """Initials with periods, e.g. ``M.L.``."""
        return f"{self.first[0]}.{self.last[0]}."


@dataclass(frozen=True)
class Address:
    """A street address; ``state`` is not PHI, the other parts are."""

    street: str
    city: str
    state: str
    zip: str


@dataclass(frozen=True)
class Facility:
    """A hospital or clinic: its name, optional initialism, web domain and fax number."""

    name: str
    abbrev: str | None
    domain: str
    fax: str


@dataclass(frozen=True)
class Clinician:
    """A clinician: ``role`` is ``MD``, ``RN``, ``NP`` or ``PA``."""

    person: Person
    role: str
    license: str


@dataclass(frozen=True)
class Relative:
    """A relative or friend of a patient with their relation and phone digits."""

    person: Person
    relation: str
    phone: str


@dataclass(frozen=True)
class Patient:
    """A patient and every identifier the notes may mention (records show a subset)."""

    person: Person
    dob: date
    mrn: str
    ssn: str
    phone: str  # 10 digits
    phone_style: str
    fax: str
    email: str
    address: Address
    insurer: str
    member_id: str
    portal_id: str
    relatives: tuple[Relative, ...] = field(default=())


@lru_cache(maxsize=16)
def _name_pool(kind: str, reserved: frozenset[str]) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Faker's en_US names of ``kind`` (``first_F``, ``first_M``, ``last``) with cumulative
    frequency weights, minus reserved words and names that are not purely alphabetic."""
    source = {"first_F": _NameProvider.first_names_female, "first_M": _NameProvider.first_names_male,
              "last": _NameProvider.last_names}[kind]
    items = [(name, weight) for name, weight in source.items()
             if name.isalpha() and len(name) >= 2 and name.lower() not in reserved]
    return tuple(n for n, _ in items), tuple(itertools.accumulate(w for _, w in items))


class PeopleFactory:
    """Draws patients, relatives, clinicians, facilities and identifiers from seeded sources."""

    def __init__(self, seed: int, rng: random.Random, reserved: frozenset[str] = frozenset()) -> None:
        self._fake = Faker("en_US")
        self._fake.seed_instance(seed)
        self._rng = rng
        bad = {w.lower() for w in reserved} | COMMON_WORD_NAMES
        bad |= {m.lower() for m in MONTHS} | {w.lower() for w in WEEKDAYS}
        bad |= {e.lower() for e in EPONYM_SURNAMES}
        self._reserved = frozenset(bad)
        self._pools = {kind: _name_pool(kind, self._reserved) for kind in ("first_F", "first_M", "last")}
        self._mrns: set[str] = set()

    @property
    def reserved(self) -> frozenset[str]:
        """Lower-case words no generated name may equal."""
        return self._reserved

    def _name(self, kind: str) -> str:
        names, cum_weights = self._pools[kind]
        return self._rng.choices(names, cum_weights=cum_weights)[0]

    def person(self, sex: str | None = None, last: str | None = None) -> Person:
        """A person of ``sex`` (random when None), with surname ``last`` when given."""
        sex = sex or self._rng.choice("FM")
        return Person(self._name("first_F" if sex == "F" else "first_M"), last or self._name("last"), sex)

    def phone(self) -> str:
        """10 phone digits."""
        return random_phone_digits(self._rng)

    def address(self) -> Address:
        """A street address with city, state and ZIP."""
        fake = self._fake
        return Address(fake.street_address(), fake.city(), fake.state_abbr(include_territories=False), fake.zipcode())

    def facility(self) -> Facility:
        """A hospital or clinic."""
        pattern = self._rng.choice(_FACILITY_PATTERNS)
        name = pattern.format(saint=self._rng.choice(_SAINTS), city=self._fake.city(), last=self._name("last"))
        words = [w for w in re.findall(r"[A-Za-z]+", name) if w[0].isupper() and w not in ("St", "of")]
        abbrev = "".join(w[0] for w in words).upper()
        if len(abbrev) < 3 or abbrev.lower() in self._reserved:
            abbrev = None
        distinctive = [w.lower() for w in re.findall(r"[A-Za-z]+", name) if w.lower() not in _GENERIC_WORDS]
        slug = "".join(distinctive[:3])
        return Facility(name, abbrev, f"{slug}.org", self.phone())

    def clinician(self, role: str, surname: str | None = None) -> Clinician:
        """A clinician of ``role``; ``surname`` forces an (eponym) surname."""
        person = self.person(last=surname)
        prefix = {"MD": "MD", "RN": "RN", "NP": "NP", "PA": "PA"}[role]
        return Clinician(person, role, f"{prefix}{self._rng.randint(100000, 999999)}")

    def relatives(self, patient: Person, count: int, elderly: bool = False) -> tuple[Relative, ...]:
        """``count`` relatives or friends of ``patient``; family often shares the surname.

        An ``elderly`` patient has no living mother among them.
        """
        options = [r for r in RELATIONS[patient.sex] if not (elderly and r == "mother")]
        relations = self._rng.sample(options, count)
        out = []
        for relation in relations:
            sex = _RELATION_SEX.get(relation) or self._rng.choice("FM")
            family = relation not in ("friend", "neighbor", "mother", "niece", "nephew", "sister", "brother")
            same_name = family and self._rng.random() < 0.8
            out.append(Relative(self.person(sex, patient.last if same_name else None), relation, self.phone()))
        return tuple(out)

    def mrn(self) -> str:
        """A medical record number, unique within this factory."""
        while True:
            value = str(self._rng.randint(1_000_000, 9_999_999)) if self._rng.random() < 0.7 else \
                f"{self._rng.randint(10, 99)}{self._rng.randint(100000, 999999)}"
            if value not in self._mrns:
                self._mrns.add(value)
                return value

    def ssn(self) -> str:
        """A syntactically valid SSN (area never 000, 666 or 9xx)."""
        area = self._rng.randint(1, 899)
        while area == 666:
            area = self._rng.randint(1, 899)
        return f"{area:03d}-{self._rng.randint(1, 99):02d}-{self._rng.randint(1, 9999):04d}"

    def member_id(self) -> str:
        """An insurance member id such as ``XJH123456789``."""
        letters = "".join(self._rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(3))
        return f"{letters}{self._rng.randint(100_000_000, 999_999_999)}"

    def email(self, person: Person) -> str:
        """An email address built from the person's name."""
        sep = self._rng.choice((".", "_", ""))
        suffix = str(self._rng.randint(1, 99)) if self._rng.random() < 0.4 else ""
        local = f"{person.first}{sep}{person.last}{suffix}" if self._rng.random() < 0.7 else \
            f"{person.first[0]}{person.last}{suffix}"
        return f"{local.lower()}@{self._fake.free_email_domain()}"

    def patient(self, dob: date, insurers: tuple[str, ...]) -> Patient:
        """A patient born on ``dob`` with 1-3 relatives and every identifier filled in."""
        person = self.person()
        relatives = self.relatives(person, self._rng.choice((1, 1, 2, 2, 3)), elderly=dob.year < 1950)
        return Patient(
            person=person, dob=dob, mrn=self.mrn(), ssn=self.ssn(), phone=self.phone(),
            phone_style=self._rng.choice(("paren", "dash", "dot", "paren", "dash")), fax=self.phone(),
            email=self.email(person), address=self.address(), insurer=self._rng.choice(insurers),
            member_id=self.member_id(), portal_id=str(self._rng.randint(10000, 99999)), relatives=relatives,
        )
