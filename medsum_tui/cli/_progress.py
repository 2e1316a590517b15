"""The training progress that ``train`` and ``demo`` show, fed by a run's events: a progress
bar in a terminal, else plain lines (a ``nohup`` log, a pipe) every :data:`PLAIN_EVERY_STEPS`
steps or :data:`PLAIN_EVERY_S` seconds, whichever comes first. ``runs --follow`` prints the
same lines (:func:`progress_line`)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from medsum_tui.cli._runtime import is_quiet, say

__all__ = ["CLI_HINTS", "PLAIN_EVERY_S", "PLAIN_EVERY_STEPS", "FixHints", "PlainTicker", "TrainingProgress",
           "budget_fixes", "describe_preflight", "format_eta", "progress_line", "stdout_is_terminal"]

PLAIN_EVERY_STEPS = 10  # without a terminal, a progress line every this many steps...
PLAIN_EVERY_S = 10.0  # ...or after this many seconds, whichever comes first (and the last step)


def stdout_is_terminal() -> bool:
    """Whether standard output is a terminal (else: a file, a pipe, a ``nohup`` log)."""
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def format_eta(seconds: float | None) -> str:
    """``1h02m``, ``3m05s``, ``42s``; ``?`` when not known."""
    if seconds is None:
        return "?"
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def progress_line(step: int, total: int | None, *, loss: float | None = None, lr: float | None = None,
                  samples_per_s: float | None = None, epsilon: float | None = None,
                  eta_s: float | None = None) -> str:
    """One plain progress line (no colour, no carriage return), for logs and ``runs --follow``:
    ``step 10/40 (25%) loss 2.3456 lr 4.00e-04 12.3 samples/s eps 0.512 eta 1m23s``."""
    parts = [f"step {step}/{total}" + (f" ({100 * step // total}%)" if total else "") if total else f"step {step}"]
    if loss is not None:
        parts.append(f"loss {loss:.4f}")
    if lr is not None:
        parts.append(f"lr {lr:.2e}")
    if samples_per_s:
        parts.append(f"{samples_per_s:.1f} samples/s")
    if epsilon is not None:
        parts.append(f"eps {epsilon:.3f}")
    if total is None or step < total:
        parts.append(f"eta {format_eta(eta_s)}")
    return " ".join(parts)


class PlainTicker:
    """Says when a plain progress line is due: every ``every_steps`` steps or ``every_s``
    seconds, whichever comes first, and at the last step."""

    def __init__(self, every_steps: int = PLAIN_EVERY_STEPS, every_s: float = PLAIN_EVERY_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """Nothing printed yet: the first step is due."""
        self.every_steps, self.every_s, self.clock = every_steps, every_s, clock
        self.last_step: int | None = None
        self.last_at = clock()

    def due(self, step: int, total: int | None) -> bool:
        """Whether ``step`` gets a line (and, if so, it counts as printed)."""
        now = self.clock()
        if not (self.last_step is None or step - self.last_step >= self.every_steps
                or now - self.last_at >= self.every_s or (total is not None and step >= total)):
            return False
        self.last_step, self.last_at = step, now
        return True


@dataclass(frozen=True)
class FixHints:
    """Where the user changes each setting a fix names: CLI options, or the TUI's fields."""

    target_epsilon: str = "--target-epsilon"
    delta: str = "--delta"
    dp: str = "--dp with --target-epsilon"
    dataset: str = "--dataset"
    override: str = '--override-budget "REASON"'


CLI_HINTS = FixHints()


def budget_fixes(summary: dict[str, Any], hints: FixHints = CLI_HINTS) -> list[str]:
    """What would let a refused run through, concretely, as lines (none for an allowed run).
    The one wording of the fixes: the CLI's ``--plan`` and refusal, and the TUI's plan."""
    why = summary.get("refused_for")
    if why is None:
        return []
    policy = summary["policy"]
    fixes = []
    if why == "epsilon":
        fit = summary.get("fitting_epsilon")
        if fit is not None:
            fixes.append(f"lower the target epsilon to at most {fit:g} ({hints.target_epsilon}); fewer steps or "
                         "epochs do not help, since the noise is chosen to reach the target epsilon")
        elif summary.get("fit_searched") and (summary.get("dp") or {}).get("target_epsilon") is not None:
            fixes.append("no target epsilon fits what is left of this dataset's budget")
    elif why == "delta":
        fixes.append(f"lower delta to at most {policy['max_delta']:g} ({hints.delta})")
    elif why == "nonprivate":
        fixes.append(f"train with DP ({hints.dp})")
    fixes.append(f"train on another dataset ({hints.dataset}): each dataset has its own budget")
    fixes.append(f"or run anyway with a reason ({hints.override}); the override and its reason are audited")
    return ["To run it: " + fixes[0], *("   " + line for line in fixes[1:])]


def describe_preflight(summary: dict[str, Any], hints: FixHints = CLI_HINTS) -> list[str]:
    """The pre-flight of a run as lines: the DP plan, the budget check, the fixes of a refusal
    (:func:`budget_fixes`, naming ``hints``), and warnings."""
    plan = summary["dp"]
    if plan:
        lines = [(f"DP plan: epsilon {plan['planned_epsilon']:.3f} at delta {plan['delta']:g} ({plan['accountant']}), "
                  f"noise {plan['noise_multiplier']:.4f}, clip {plan['max_grad_norm']:g}, sample rate "
                  f"{plan['sample_rate']:.4g} of N = {plan['population']} {plan['privacy_unit']}s, "
                  f"{plan['steps']} steps" + ("" if plan.get("snr") is None else
                                              f", signal-to-noise per step at most {plan['snr']:.3g}"))]
    else:
        lines = ["Non-private run: this dataset's privacy spend becomes unbounded."]
    policy = summary["policy"]
    limit = "no limit set" if policy["max_epsilon"] is None else f"max epsilon {policy['max_epsilon']:g}"
    if policy["source"] not in ("none", None):
        limit += f", {policy['source']}"
    after = "unbounded" if summary["unbounded_after"] else f"{summary['composed_epsilon_after']:.3f}"
    lines.append(f"Budget: {'allowed' if summary['allowed'] else 'REFUSED'} ({limit}); "
                 f"composed epsilon after this run: {after}" + ("" if summary["allowed"] else f"; {summary['reason']}"))
    lines += budget_fixes(summary, hints)
    lines += [f"Warning: {line}" for line in summary["warnings"]]
    return lines


class TrainingProgress:
    """Shows the events of a run as a rich progress bar (step, loss, lr, samples/s, ETA); when
    standard output is not a terminal (``plain``), as plain lines (:class:`PlainTicker`)."""

    def __init__(self, plain: bool | None = None) -> None:
        """``plain`` None: plain lines unless standard output is a terminal."""
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(TextColumn("[bold]train"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[info]}"),
                            TimeRemainingColumn(), transient=False, disable=is_quiet())
        self.task: Any = None
        self.plain = not stdout_is_terminal() if plain is None else plain
        self.ticker = PlainTicker()

    def __call__(self, event: dict[str, Any]) -> None:
        kind = event["event"]
        if kind == "preflight":
            for line in describe_preflight(event):
                say(line)
        elif kind == "resume":
            for skipped in event["skipped"]:
                say(f"Skipped checkpoint {skipped['checkpoint']}: {skipped['why']}")
            say(event["message"][:1].upper() + event["message"][1:])
        elif kind == "start":
            say(f"Run {event['run_id']}: {event['method']} on {event['device']} ({event['precision']}), "
                f"{event['total_steps']} steps" + (f", resumed at step {event['step']}" if event["resumed"] else ""))
            cut = event["truncated"]
            if cut["sources"] or cut["targets"]:
                say(f"Truncated: {cut['sources']} source(s) to {cut['max_source_len']} tokens, "
                    f"{cut['targets']} target(s) to {cut['max_target_len']} tokens")
            if self.plain:
                self.ticker = PlainTicker()
                return
            self.bar.start()
            self.task = self.bar.add_task("train", total=event["total_steps"], completed=event["step"], info="")
        elif kind == "step" and self.plain:
            if self.ticker.due(event["step"], event.get("total_steps")):
                say(progress_line(event["step"], event.get("total_steps"), loss=event.get("loss"), lr=event.get("lr"),
                                  samples_per_s=event.get("samples_per_s"), epsilon=event.get("epsilon"),
                                  eta_s=event.get("eta_s")))
        elif kind == "step" and self.task is not None:
            loss = "-" if event["loss"] is None else f"{event['loss']:.4f}"
            epsilon = f" eps {event['epsilon']:.3f}" if event.get("epsilon") is not None else ""
            self.bar.update(self.task, completed=event["step"],
                            info=f"loss {loss} lr {event['lr']:.2e} {event['samples_per_s']:.1f} samples/s{epsilon}")
        elif kind == "epoch":
            line = f"epoch {event['epoch']}: validation loss {event['val_loss']}"
            (self.bar.console.print if self.task is not None and not self.bar.disable else say)(line + (" (early stop)" if event["early_stop"] else ""))
        elif kind == "end":
            self.stop()

    def stop(self) -> None:
        """Leave the bar drawn as it is."""
        if self.task is not None:
            self.bar.stop()
            self.task = None
