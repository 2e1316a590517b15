"""The training progress bar that ``train`` and ``demo`` show, fed by a run's events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from medsum_tui.cli._runtime import is_quiet, say

__all__ = ["CLI_HINTS", "FixHints", "TrainingProgress", "budget_fixes", "describe_preflight"]


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
                  f"{plan['steps']} steps")]
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
    """Shows the events of a run as a rich progress bar (step, loss, lr, samples/s, ETA)."""

    def __init__(self) -> None:
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
            self.bar.start()
            self.task = self.bar.add_task("train", total=event["total_steps"], completed=event["step"], info="")
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
