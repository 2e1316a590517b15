"""TextBuilder offsets, template parsing, and the note templates' placeholders and literals."""

from __future__ import annotations

import re

import pytest

from core.synth import summary, templates
from core.synth.context import NoteContext
from core.synth.formats import MONTHS, WEEKDAYS
from core.synth.textbuilder import Piece, TextBuilder, parse_template, placeholders


def _resolve(name: str) -> Piece | tuple[Piece, ...]:
    return {
        "name": Piece("Maria Lopez", "NAME"),
        "title": (Piece("Ms. "), Piece("Lopez", "NAME")),
        "sx": Piece("SOB"),
    }[name]


def test_render_records_exact_offsets() -> None:
    builder = TextBuilder()
    builder.render("{name} c/o {sx}. {title} seen {{today}}.", _resolve)
    text = builder.text()
    assert text == "Maria Lopez c/o SOB. Ms. Lopez seen {today}."
    assert [(text[s.start:s.end], s.category) for s in builder.spans()] == [("Maria Lopez", "NAME"), ("Lopez", "NAME")]


def test_transform_applies_to_pieces_and_keeps_offsets() -> None:
    builder = TextBuilder(str.upper)
    builder.add("pt ")
    builder.render("{title} resting", _resolve)
    text = builder.text()
    assert text == "PT MS. LOPEZ RESTING"
    assert [text[s.start:s.end] for s in builder.spans()] == ["LOPEZ"]


@pytest.mark.parametrize("template", ["{0} x", "{} x", "{name:>5}", "{name!r}", "{a.b}"])
def test_unsupported_placeholders_are_rejected(template: str) -> None:
    with pytest.raises(ValueError):
        parse_template(template)


def test_every_template_placeholder_is_resolvable() -> None:
    known = NoteContext.names()
    for template in templates.all_templates():
        assert placeholders(template) <= known, template


def test_template_literals_carry_no_dates_names_or_numbers() -> None:
    calendar = {w.lower() for w in MONTHS + WEEKDAYS} | {m[:3].lower() for m in MONTHS}
    for template in templates.all_templates() + summary.all_phrases():
        literal = "".join(lit for lit, _ in parse_template(template))
        words = {w.lower() for w in re.findall(r"[A-Za-z]+", literal)}
        assert not words & calendar, template
        if template in templates.all_templates():
            assert not re.search(r"\d", literal), template
