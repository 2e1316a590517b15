"""The kinds of clinical vocabulary entries: symptoms, investigations, medications, conditions.

Each entry knows how a terse note writes it (``written``: ``SOB``) and how a summary spells
it out (``expanded``: ``shortness of breath (SOB)``). The entries themselves live in
:mod:`core.synth.lexicon`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Condition", "Investigation", "Medication", "Symptom", "Term"]


@dataclass(frozen=True)
class Term:
    """An abbreviable clinical term; ``abbrev`` is None where notes spell it out."""

    abbrev: str | None
    expansion: str

    @property
    def key(self) -> str:
        """The lookup key: the abbreviation, else the expansion."""
        return self.abbrev or self.expansion

    @property
    def written(self) -> str:
        """The form a terse clinical note uses."""
        return self.abbrev or self.expansion

    @property
    def expanded(self) -> str:
        """The summary form, e.g. ``shortness of breath (SOB)``."""
        return f"{self.expansion} ({self.abbrev})" if self.abbrev else self.expansion


@dataclass(frozen=True)
class Symptom(Term):
    """A presenting symptom or complaint."""


@dataclass(frozen=True)
class Investigation(Term):
    """A lab test, imaging study or procedure ordered in the work-up."""


@dataclass(frozen=True)
class Medication:
    """A drug order: ``dose`` and ``sig`` as a note writes them, ``sig_text`` spelled out."""

    abbrev: str | None
    generic: str
    dose: str
    sig: str
    sig_text: str

    @property
    def key(self) -> str:
        """The lookup key: the abbreviation, else the generic name."""
        return self.abbrev or self.generic

    @property
    def written(self) -> str:
        """The drug name as a note writes it (``ASA``, ``metoprolol``)."""
        return self.abbrev or self.generic

    @property
    def order(self) -> str:
        """The order line of the ``medications`` field, e.g. ``ASA 81 mg daily``."""
        return f"{self.written} {self.dose} {self.sig}"

    @property
    def expanded(self) -> str:
        """The summary form, e.g. ``aspirin (ASA) 81 mg daily``."""
        name = f"{self.generic} ({self.abbrev})" if self.abbrev else self.generic
        return f"{name} {self.dose} {self.sig_text}"


@dataclass(frozen=True)
class Condition:
    """A diagnosis with the symptoms, investigations and medications that go with it (by key)."""

    abbrev: str | None
    name: str
    department: str
    symptoms: tuple[str, ...]
    investigations: tuple[str, ...]
    medications: tuple[str, ...]
    eponym: str | None = None  # the surname inside an eponymous name ("Parkinson")

    @property
    def key(self) -> str:
        """The lookup key: the abbreviation, else the name."""
        return self.abbrev or self.name

    @property
    def written(self) -> str:
        """The form a note and the ``diagnosis`` field use."""
        return self.abbrev or self.name

    @property
    def expanded(self) -> str:
        """Lower-case summary form, e.g. ``hypertension (HTN)``."""
        return f"{self.name} ({self.abbrev})" if self.abbrev else self.name

    @property
    def title(self) -> str:
        """Title-case summary form, e.g. ``Coronary Artery Disease (CAD)``."""
        words = " ".join(w[:1].upper() + w[1:] for w in self.name.split(" "))
        return f"{words} ({self.abbrev})" if self.abbrev else words
