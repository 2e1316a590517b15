"""The compliance report: per dataset, what was de-identified, which runs trained on it with
which DP parameters (a DP-SGD privacy statement per run), the composed and naive privacy
spend against the budget policy, flags a reviewer must see, the audit log's state, what the
guarantee does not cover, and the library versions. JSON for tools, Markdown for people.

It holds names, ids, hashes, counts and parameters only: never a record value, a key, nor a
path other than the site's configured word-list files. The de-identification section is built
in :mod:`core.report_deid`; how a report states its own SHA-256 is :mod:`core.report_integrity`.
"""

from __future__ import annotations

import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.audit import verify_audit
from core.budget import budget_policy, format_delta, format_epsilon
from core.config import LoadedConfig, MedsumConfig
from core.datasets.entry import DatasetError, datasets_dir, read_entry
from core.errors import MedsumError
from core.ledger import open_ledger
from core.report_deid import dataset_deid, dataset_deid_markdown, deid_markdown, workspace_deid
from core.secrets import SecretStoreError
from core.versions import library_versions
from privacy.ledger import Ledger, LedgerDataset, LedgerRun, RunAudit, Spend

__all__ = ["AUDIT_READING", "FORMAT", "NOT_COVERED", "audit_line", "budget_summary", "compliance_report", "export_report",
           "render_markdown",
           "residual_sentence"]

FORMAT = "medsum-compliance/1"

#: What the DP guarantee of a run does not cover.
NOT_COVERED: tuple[str, ...] = (
    ("Hyperparameter tuning: choosing settings by comparing runs on the same data is not privatized; "
     "each run's own spend is counted, the choice between runs is not."),
    ("Evaluation metrics (validation loss, ROUGE) and the logged training loss are computed on the data "
     "without noise and are not privatized."),
    ("The DP noise comes from torch's standard random generator, not a cryptographically secure one: "
     "Opacus secure_mode is unavailable on this torch."),
    ("A tokenizer trained on a dataset (medsum models init-tiny --from-data) and the dataset's counts and "
     "length statistics are not privatized."),
    ("The guarantee covers the de-identified training data as stored; de-identification is rule-based with "
     "an allow-list pass, and its residual scan counts the words no allow-list knows that were left in: "
     "a safe word used as a name ('Hope') is not counted, so zero is not proof that no identifier is left."),
)

#: How to read an empirical audit's figure (it is shown beside every audited run).
AUDIT_READING = ("The empirical epsilon is a lower bound from canaries inserted at training time (one-run audit, "
                 "Steinke, Nasr and Jagielski 2023), not the true epsilon; few canaries give weak bounds. A lower "
                 "bound ABOVE the accountant's epsilon means a defect in the DP mechanism or its accounting.")

_ADJACENCY = {"record": "add/remove one record", "patient": "add/remove one patient's records"}


def _number(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(float(value), digits)


def _statement(run: LedgerRun, steps: int, epsilon: float | None) -> str:
    dp = run.dp
    assert dp is not None
    unit = "patient" if dp.privacy_unit == "patient" else "record"
    return (f"Trained with DP-SGD: ({format_epsilon(epsilon or 0.0)}, {format_delta(dp.delta)})-differential privacy "
            f"per {unit} ({_ADJACENCY[dp.privacy_unit]} adjacency), N = {dp.population} {unit}s, sample rate "
            f"{dp.sample_rate:.4g} ({'Poisson sampling' if dp.poisson else 'NOT Poisson sampling'}), {steps} steps, "
            f"noise multiplier {dp.noise_multiplier:.4g}, clipping norm {dp.max_grad_norm:g}, "
            f"{dp.accountant.upper()} accountant.")


def _run_report(run: LedgerRun, spend: Spend) -> dict[str, Any]:
    report: dict[str, Any] = {
        "run_id": run.run_id, "model": run.model, "fingerprint": run.fingerprint, "status": run.status,
        "outcome": run.outcome, "private": run.private, "steps_planned": run.steps_planned,
        "steps_done": run.steps_done, "override_reason": run.override_reason, "created_at": run.created_at,
        "updated_at": run.updated_at,
    }
    if run.dp is None:
        return {**report, "epsilon": None, "unbounded": True,
                "statement": "Trained without differential privacy: no epsilon bounds what it reveals."}
    dp = run.dp
    steps = spend.run_steps.get(run.run_id, run.steps_done)
    epsilon = spend.run_epsilons.get(run.run_id)
    return {
        **report, "steps_counted": steps, "privacy_unit": dp.privacy_unit, "adjacency": _ADJACENCY[dp.privacy_unit],
        "population": dp.population, "sample_rate": dp.sample_rate, "expected_batch_size": dp.expected_batch_size,
        "poisson": dp.poisson, "noise_multiplier": dp.noise_multiplier, "max_grad_norm": dp.max_grad_norm,
        "accountant": dp.accountant, "delta": dp.delta, "epsilon": _number(epsilon),
        "planned_epsilon": _number(run.planned_epsilon), "target_epsilon": dp.target_epsilon,
        "unbounded": False, "statement": _statement(run, steps, epsilon),
    }


def _audit_report(audit: RunAudit | None) -> dict[str, Any] | None:
    """A run's empirical privacy audit for the report (figures only), or None when not audited."""
    if audit is None:
        return None
    return {"epsilon_lower": audit.epsilon_lower, "confidence": audit.confidence, "canaries": audit.canaries,
            "guesses": audit.guesses, "correct": audit.correct, "auc": audit.auc,
            "exposure_mean": audit.exposure_mean, "exposure_max": audit.exposure_max,
            "accountant_epsilon": audit.accountant_epsilon, "delta": audit.delta, "defect": audit.defect,
            "method": audit.method, "created_at": audit.created_at}


def audit_line(run_id: str, audit: dict[str, Any]) -> str:
    """One audited run: the lower bound beside the accountant's epsilon, and a defect in bold."""
    accountant = ("none: non-private run" if audit["accountant_epsilon"] is None
                  else format_epsilon(audit["accountant_epsilon"]))
    line = (f"- {run_id}: empirical epsilon lower bound {format_epsilon(audit['epsilon_lower'])} at "
            f"{audit['confidence']:.0%} confidence (accountant's epsilon {accountant}); {audit['canaries']} canaries, "
            f"{audit['correct']}/{audit['guesses']} guesses right, membership AUC {audit['auc']:.3f}")
    if audit["exposure_mean"] is not None:
        line += f", mean exposure {audit['exposure_mean']:.2f} bits"
    if audit["defect"]:
        line += " — **DEFECT: the lower bound is above the accountant's epsilon**"
    return line


def _evaluation(root: Path, run_id: str) -> dict[str, Any] | None:
    """The headline figures of the run's latest ``medsum eval``, if any."""
    from core.train.runs import RunsTable

    try:
        return RunsTable(root).get(run_id).eval
    except KeyError:
        return None


def _flags(name: str, runs: list[LedgerRun], records: int | None, patients: int | None, fingerprint: str | None,
           spend: Spend, max_epsilon: float | None, audits: dict[str, RunAudit] | None = None) -> list[str]:
    flags = [f"unbounded: non-private run {r.run_id}" for r in runs if r.dp is None]
    for run in runs:
        audit = (audits or {}).get(run.run_id)
        if audit is not None and audit.defect:
            flags.append(f"run {run.run_id}: DEFECT: the audited epsilon lower bound "
                         f"{format_epsilon(audit.epsilon_lower)} is above the accountant's epsilon "
                         f"{format_epsilon(audit.accountant_epsilon or 0.0)} (a defect in the DP mechanism or its "
                         "accounting)")
    several = records is not None and patients is not None and records > patients
    for run in runs:
        dp = run.dp
        if dp is not None and dp.privacy_unit == "record" and several:
            flags.append(f"run {run.run_id}: the guarantee is per record, not per patient "
                         f"(dataset {name} has patients with several records)")
        if dp is not None and not dp.poisson:
            flags.append(f"run {run.run_id}: Poisson sampling was not used; its epsilon assumes it")
        if run.status == "reserved":
            counted = f"; counted with {spend.run_steps.get(run.run_id, run.steps_done)} steps" if dp is not None else ""
            flags.append(f"run {run.run_id}: still reserved (running, or ended without settling: "
                         f"medsum budget reconcile){counted}")
        if fingerprint is not None and run.fingerprint != fingerprint:
            flags.append(f"run {run.run_id}: trained on another version of dataset {name} "
                         f"(fingerprint {run.fingerprint[:12]})")
        if run.override_reason:
            flags.append(f"run {run.run_id}: trained over the budget policy by override: {run.override_reason}")
    if max_epsilon is not None and spend.unbounded:
        flags.append(f"over the policy: the budget is unbounded and the policy's max epsilon is {format_epsilon(max_epsilon)}")
    elif max_epsilon is not None and spend.composed_epsilon > max_epsilon:
        flags.append(f"over the policy: composed epsilon {format_epsilon(spend.composed_epsilon)} is over the "
                     f"policy's max epsilon {format_epsilon(max_epsilon)}")
    return flags


def _dataset_names(root: Path, ledger: Ledger, only: str | None) -> list[str]:
    names = {d.name for d in ledger.datasets()} | {r.dataset for r in ledger.runs()}
    store = datasets_dir(root)
    if store.is_dir():
        names |= {p.name for p in store.iterdir() if not p.name.startswith(".") and (p / "dataset.json").is_file()}
    if only is not None:
        if only not in names:
            raise MedsumError(f"dataset {only}: not in this workspace's ledger or dataset store (medsum data list)")
        return [only]
    return sorted(names)


def _dataset_report(root: Path, config: MedsumConfig | LoadedConfig, ledger: Ledger, name: str,
                    known: LedgerDataset | None, latest: dict[str, Any] | None = None) -> dict[str, Any]:
    fingerprint = records = patients = None
    deid: dict[str, Any] | None = None
    if known is not None:
        fingerprint, records, patients, deid = known.fingerprint, known.records, known.patients, known.deid
    else:
        try:
            entry = read_entry(datasets_dir(root) / name)
            fingerprint, records, patients = entry.fingerprint, entry.records, sum(entry.patients.values())
            deid = {"strategy": entry.strategy, "phi_found": entry.phi_found, "residual": entry.residual,
                    "skipped": entry.skipped}
        except DatasetError:
            pass  # runs on a dataset that was since removed
    runs = ledger.runs(name)
    spend = ledger.spend(name)
    audits = ledger.audits()
    policy = budget_policy(config, name)
    within = None
    if policy.max_epsilon is not None:
        within = not spend.unbounded and spend.composed_epsilon <= policy.max_epsilon
    return {
        "name": name, "fingerprint": fingerprint, "records": records, "patients": patients,
        "deid": dataset_deid(root, config, deid, latest),
        "policy": {"max_epsilon": policy.max_epsilon, "max_delta": policy.max_delta, "source": policy.source},
        "spend": {
            "delta": spend.delta, "accountant": spend.accountant,
            "composed_epsilon": None if spend.unbounded else _number(spend.composed_epsilon),
            "private_composed_epsilon": _number(spend.composed_epsilon),
            "naive_epsilon": _number(spend.naive_epsilon), "naive_delta": spend.naive_delta,
            "unbounded": spend.unbounded, "private_runs": spend.private_runs,
            "nonprivate_runs": spend.nonprivate_runs, "reserved_runs": spend.reserved_runs,
            "within_policy": within,
            # A patient-level guarantee implies a record-level one, so the composition holds
            # per patient only when every private run was per patient.
            "unit": _composed_unit(runs),
        },
        "runs": [{**_run_report(r, spend), "evaluation": _evaluation(root, r.run_id),
                  "empirical_audit": _audit_report(audits.get(r.run_id))} for r in runs],
        "overrides": [{"run_id": r.run_id, "reason": r.override_reason} for r in runs if r.override_reason],
        "flags": _flags(name, runs, records, patients, fingerprint, spend, policy.max_epsilon, audits),
    }


def _composed_unit(runs: list[Any]) -> str | None:
    """The unit the composed guarantee holds for: the weakest of the private runs' units."""
    units = {r.dp.privacy_unit for r in runs if r.dp is not None}
    if not units:
        return None
    return "patient" if units == {"patient"} else "record"


def budget_summary(root: Path, config: MedsumConfig | LoadedConfig, dataset: str | None = None) -> list[dict[str, Any]]:
    """Per dataset (every one in the ledger or the store, or just ``dataset``): de-identification
    summary, policy, spend, runs and flags, as in the compliance report."""
    from core.deid_evals import latest_deid_eval

    ledger = open_ledger(root)
    known = {d.name: d for d in ledger.datasets()}
    latest = latest_deid_eval(root)
    return [_dataset_report(root, config, ledger, name, known.get(name), latest)
            for name in _dataset_names(root, ledger, dataset)]


def _audit_state(root: Path) -> dict[str, Any]:
    try:
        return verify_audit(root).to_json()
    except (SecretStoreError, MedsumError) as exc:
        return {"ok": False, "entries": 0, "bad_seq": None, "bad_line": None, "reason": f"cannot check: {exc}"}


def compliance_report(root: Path, config: MedsumConfig | LoadedConfig, dataset: str | None = None) -> dict[str, Any]:
    """The compliance report of the workspace at ``root`` (or of one ``dataset``), as JSON values."""
    return {
        "format": FORMAT,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "deidentification": workspace_deid(root, config),
        "datasets": budget_summary(root, config, dataset),
        "audit": _audit_state(root),
        "not_covered": list(NOT_COVERED),
        "library_versions": {"python": platform.python_version(), **library_versions()},
    }


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace("|", "\\|")


def _composed_line(spend: dict[str, Any], within: str) -> str:
    accountant = f", {spend['accountant'].upper()} accountant" if spend["accountant"] else ""
    epsilon = format_epsilon(spend["private_composed_epsilon"] or 0.0)
    unit = f", per {spend['unit']}" if spend.get("unit") else ""
    at = f"at delta {format_delta(spend['delta'])}{accountant}{unit}"
    if not spend["unbounded"]:
        return f"- Composed epsilon: **{epsilon}** {at}{within}"
    alone = f"; the private runs alone compose to {epsilon} {at}" if spend["private_runs"] else ""
    return f"- Composed epsilon: **unbounded**: a non-private run trained on it{within}{alone}"


def _spend_lines(spend: dict[str, Any], policy: dict[str, Any]) -> list[str]:
    limit = "none configured" if policy["max_epsilon"] is None and policy["max_delta"] is None else (
        f"max epsilon {_cell(policy['max_epsilon'])}, max delta {_cell(policy['max_delta'])} ({policy['source']})")
    within = {None: "", True: " (within the policy)", False: " (OVER the policy)"}[spend["within_policy"]]
    return [
        f"- Budget policy: {limit}",
        _composed_line(spend, within),
        f"- Naive sum: epsilon {format_epsilon(spend['naive_epsilon'] or 0.0)}, delta {format_delta(spend['naive_delta'])}",
        (f"- Runs: {spend['private_runs']} private, {spend['nonprivate_runs']} non-private, "
         f"{spend['reserved_runs']} still reserved"),
    ]


_RUN_COLUMNS = (("run", "run_id"), ("model", "model"), ("status", "status"), ("outcome", "outcome"),
                ("unit", "privacy_unit"), ("adjacency", "adjacency"), ("N", "population"), ("q", "sample_rate"),
                ("Poisson", "poisson"), ("steps", "steps_counted"), ("sigma", "noise_multiplier"),
                ("clip", "max_grad_norm"), ("accountant", "accountant"), ("epsilon", "epsilon"), ("delta", "delta"))


def residual_sentence(deid: dict[str, Any]) -> str:
    """What the residual scan of a de-identification says, in words a reviewer can check: the
    word tokens left that no allow-list knows and nothing replaced, the records holding them
    (ids only), and a warning when the allow-list pass was off."""
    residual = deid.get("residual")
    records = deid.get("residual_records")
    text = f"Residual scan: {residual} word token(s) in the output neither allow-listed nor replaced"
    if records:
        shown = ", ".join(str(r) for r in records[:20]) + (f" and {len(records) - 20} more" if len(records) > 20 else "")
        text += f", in {len(records)} record(s): {shown}"
    if deid.get("allow_list_pass") is False:
        text += ("; the allow-list pass was OFF, so recall is no longer what was measured and these words "
                 "are still in the output")
    elif residual == 0:
        text += ("; every word left is on an allow-list of safe words (a safe word can still be a name, "
                 "such as 'Hope', when no context gives it away; numbers are judged by the recognizers "
                 "and not counted)")
    return text


def _evaluation_line(run_id: str, evaluation: dict[str, Any]) -> str:
    """One run's latest evaluation, with what its PHI-scan count means and where the findings are."""
    line = (f"- {run_id}: {evaluation['split']} split, ROUGE-L {evaluation['rougeL']}, "
            f"new identifiers found by the PHI scan: {evaluation['phi_new']}")
    if not evaluation.get("phi_new"):
        return line
    by_category = ", ".join(f"{k} {v}" for k, v in sorted((evaluation.get("phi_new_by_category") or {}).items()))
    records = evaluation.get("phi_new_records")
    return line + (
        (f" ({by_category})" if by_category else "")
        + (f" in {len(records)} summaries" if records is not None else "")
        + ": the model wrote identifier-like strings its de-identified input does not hold (a memorisation or "
        "hallucination risk); review those summaries, listed by record id and category in the run's "
        f"evaluation report (runs/{run_id}/eval/report-{evaluation['split']}.md)")


def _dataset_markdown(data: dict[str, Any]) -> list[str]:
    out = [f"## Dataset {data['name']}", ""]
    out.append(f"- Fingerprint: {_cell(data['fingerprint'])}")
    out.append(f"- Records: {_cell(data['records'])}, patients: {_cell(data['patients'])}")
    deid = data["deid"]
    if deid:
        out += dataset_deid_markdown(deid)
        out.append("- " + residual_sentence(deid))
    out += _spend_lines(data["spend"], data["policy"]) + [""]
    if data["flags"]:
        out += ["**Flags**", ""] + [f"- {flag}" for flag in data["flags"]] + [""]
    runs = data["runs"]
    if runs:
        out += ["| " + " | ".join(h for h, _ in _RUN_COLUMNS) + " |", "|" + " --- |" * len(_RUN_COLUMNS)]
        for run in runs:
            out.append("| " + " | ".join(_cell(run.get(key)) for _, key in _RUN_COLUMNS) + " |")
        out += ["", "Privacy statements:", ""]
        out += [f"- {run['run_id']}: {run['statement']}" for run in runs] + [""]
        evaluated = [run for run in runs if run.get("evaluation")]
        if evaluated:
            out += ["Evaluations (latest `medsum eval`):", ""]
            out += [_evaluation_line(run["run_id"], run["evaluation"]) for run in evaluated] + [""]
        audited = [run for run in runs if run.get("empirical_audit")]
        if audited:
            out += ["Empirical privacy audits (`medsum privacy-audit`):", ""]
            out += [audit_line(run["run_id"], run["empirical_audit"]) for run in audited]
            out += ["", AUDIT_READING, ""]
    if data["overrides"]:
        out += ["Overrides:", ""] + [f"- {o['run_id']}: {o['reason']}" for o in data["overrides"]] + [""]
    return out


def render_markdown(report: dict[str, Any]) -> str:
    """The compliance report for people (Markdown)."""
    audit = report["audit"]
    out = ["# MedSum compliance report", "", f"Generated {report['generated_at']} ({report['format']}).", ""]
    if audit["ok"]:
        out.append(f"Audit log: verified, {audit['entries']} entries, chain and ledger head intact.")
    else:
        out.append(f"Audit log: **FAILED** verification: {audit['reason']}")
    out.append("")
    out += deid_markdown(report["deidentification"])
    if not report["datasets"]:
        out += ["No datasets or runs yet.", ""]
    for data in report["datasets"]:
        out += _dataset_markdown(data)
    out += ["## Not covered by the guarantee", ""] + [f"- {item}" for item in report["not_covered"]] + [""]
    out += ["## Library versions", ""]
    out += [f"- {name}: {version or 'not installed'}" for name, version in report["library_versions"].items()]
    return "\n".join(out) + "\n"


def export_report(root: Path, config: MedsumConfig | LoadedConfig, path: Path, dataset: str | None = None) -> str:
    """Write the compliance report to ``path`` (see :func:`core.report_export.export_compliance_report`)
    and return the file's SHA-256."""
    from core.report_export import export_compliance_report

    return export_compliance_report(root, config, path, dataset).sha256
