"""Compose the free-text fields of a record (history, plan, optional extra note) with spans.

Each field is a few sentences drawn from :mod:`core.synth.templates`: the clinically
required ones (presentation, history, plan with tests and follow-up) and a random handful
of optional ones, most carrying PHI. Spans come from :class:`TextBuilder`, so they are exact.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from core.synth.context import NoteContext
from core.synth.templates import (
    HISTORY, HISTORY_EXTRAS, HISTORY_NONE, NOTE_ADMIN, NOTE_NURSING, NOTE_PHONE, OPENINGS_FOLLOWUP, OPENINGS_NEW,
    PLAN_CORE, PLAN_EXTRAS,
)
from core.synth.textbuilder import RawSpan, TextBuilder

__all__ = ["FreeText", "render_history", "render_notes", "render_plan"]


@dataclass(frozen=True)
class FreeText:
    """A rendered free-text field and the PHI spans inside it."""

    text: str
    spans: tuple[RawSpan, ...]


def _render(ctx: NoteContext, sentences: list[str], builder: TextBuilder | None = None) -> FreeText:
    if builder is None:
        builder = TextBuilder()
    for i, template in enumerate(sentences):
        if i:
            builder.add(" ")
        builder.render(template, ctx.resolve)
    return FreeText(builder.text(), tuple(builder.spans()))


def render_history(ctx: NoteContext) -> FreeText:
    """The ``patient_history`` field: presentation first, then history and extras in any order."""
    rng, facts = ctx.rng, ctx.enc.facts
    opening = rng.choice(OPENINGS_FOLLOWUP if facts.followup_visit else OPENINGS_NEW)
    rest = [rng.choice(HISTORY if facts.history else HISTORY_NONE)]
    rest += rng.sample(HISTORY_EXTRAS, rng.randint(1, 3))
    rng.shuffle(rest)
    return _render(ctx, [opening, *rest])


def render_plan(ctx: NoteContext) -> FreeText:
    """The ``treatment_plan`` field: medications, investigations and follow-up, plus extras."""
    rng = ctx.rng
    extras = rng.sample(PLAN_EXTRAS, rng.choice((0, 1, 1, 2)))
    return _render(ctx, [rng.choice(PLAN_CORE), *extras])


def _in_order(rng: random.Random, pool: tuple[str, ...], count: int) -> list[str]:
    """``count`` distinct templates of ``pool`` in pool order (headers stay first)."""
    return [pool[i] for i in sorted(rng.sample(range(len(pool)), count))]


def render_notes(ctx: NoteContext) -> FreeText:
    """The optional ``notes`` field: an ALL-CAPS nursing note, a phone note or an admin note."""
    rng = ctx.rng
    kind = rng.random()
    if kind < 0.4:
        return _render(ctx, _in_order(rng, NOTE_NURSING, rng.randint(2, 3)), TextBuilder(str.upper))
    pool = NOTE_PHONE if kind < 0.75 else NOTE_ADMIN
    return _render(ctx, _in_order(rng, pool, rng.randint(1, 2)))
