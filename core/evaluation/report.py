"""The evaluation report in Markdown, and the short table the CLI and the demo print."""

from __future__ import annotations

from typing import Any

__all__ = ["render_eval_markdown", "systems_table"]


def _num(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def systems_table(report: dict[str, Any]) -> list[tuple[str, ...]]:
    """Rows (header first): each system's ROUGE-1/2/L/Lsum and fidelity precision/recall."""
    rows = [("system", "ROUGE-1", "ROUGE-2", "ROUGE-L", "ROUGE-Lsum", "fid. precision", "fid. recall")]
    for name, system in report["systems"].items():
        rouge, fidelity = system["rouge"], system["fidelity"]
        rows.append((name, _num(rouge["rouge1"]), _num(rouge["rouge2"]), _num(rouge["rougeL"]),
                     _num(rouge["rougeLsum"]), _num(fidelity.get("precision")), _num(fidelity.get("recall"))))
    return rows


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    escaped = [[cell.replace("|", "\\|").replace("\n", " ") for cell in row] for row in rows]
    lines = ["| " + " | ".join(escaped[0]) + " |", "|" + " --- |" * len(escaped[0])]
    return lines + ["| " + " | ".join(row) + " |" for row in escaped[1:]]


def _new_findings(phi: dict[str, Any]) -> list[str]:
    """The new findings by record id and category, what they mean and what to do (never a value)."""
    from core.evaluation.phi_scan import MEANING, action_for, new_by_record

    per_record = new_by_record(phi)
    if not per_record:
        return []
    rows = [("record", "new findings by category")]
    rows += [(record_id, ", ".join(f"{c} {n}" for c, n in counts.items())) for record_id, counts in per_record.items()]
    categories = sorted({c for counts in per_record.values() for c in counts})
    return ["", "### New identifiers by record", "", f"What they mean: {MEANING}", "", *_table(rows), "",
            "What to do: review each summary listed above before any summary of this model leaves the site; "
            "per category:", "", *[f"- {c}: {action_for(c)}" for c in categories]]


def render_eval_markdown(report: dict[str, Any]) -> str:
    """The report for people: headline, systems table, fidelity, PHI scan, settings, examples."""
    head, gen, phi = report["headline"], report["generation"], report["phi_scan"]
    verdict = "beats" if head["beats_baselines"] else "does NOT beat"
    lines = [
        f"# Evaluation of run {report['run_id']}", "",
        (f"Dataset `{report['dataset']}`, split `{head['split']}` ({head['records']} records); model "
         f"`{report['model']}` ({report['method']}{', DP-SGD' if report['dp'] else ''}); "
         f"evaluated {head['evaluated_at']}."),
        "",
        (f"ROUGE-L {_num(head['rougeL'])}: the model {verdict} the best baseline ({head['best_baseline']}, "
         f"{_num(head['best_baseline_rougeL'])})."), "",
        "## ROUGE and clinical fidelity", "", *_table(systems_table(report)), "",
        ("Fidelity compares the medications, conditions and abbreviations (expanded) of each summary with its "
         "input: precision is the share of the summary's entities found in the input, recall the share of the "
         "input's entities found in the summary. Numbers and doses must match."), "",
    ]
    fidelity = report["systems"]["model"]["fidelity"]
    counts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in fidelity.items() if k not in ("precision", "recall"))
    lines += [f"Model flags: {counts}.", "", "## PHI scan of the model's summaries", ""]
    if phi["findings"] == 0:
        lines.append(f"The de-identification detectors found nothing in {phi['summaries']} summaries.")
    else:
        lines.append(f"{phi['findings']} finding(s) in {phi['summaries']} summaries, of which **{phi['new']} new** "
                     f"(not in the summary's de-identified input) in {phi['summaries_with_new']} summaries; by "
                     f"category: {phi['by_category']}; new: {phi['new_by_category']}. Positions are in the JSON "
                     "report; the text is not repeated here.")
        lines += _new_findings(phi)
    settings = {k: v for k, v in gen.items() if k not in ("provenance",)}
    lines += ["", "## Generation", "", f"Settings: {settings}.", "", f"Provenance: {gen['provenance']}.", "",
              "## Examples", ""]
    for example in report["examples"]:
        lines += [f"### {example['id']}", "", f"**Input (excerpt):** {example['source']}", "",
                  f"**Reference:** {example['reference']}", "", f"**Model:** {example['model']}", ""]
        for name in ("structured baseline", "base model"):
            if name in example:
                lines += [f"**{name.capitalize()}:** {example[name]}", ""]
        flags = {k: v for k, v in example["fidelity"].items() if v}
        lines += [f"**Fidelity flags:** {flags or 'none'}", ""]
    return "\n".join(line.replace("\n", " ") if line.startswith("**") else line for line in lines) + "\n"
