"""The compliance report's de-identification section: per dataset, the strategy, the surrogate
key's id, PHI counts by category and the residual scan; for the workspace, the lists in force,
the latest ``deid-eval`` on record, and which HIPAA de-identification method the settings can
support, with what a reviewer must still check by hand.

What the statements say follows what ``privacy/deid`` does (docs/deidentification.md):
``redact`` replaces every detected span by a ``[CATEGORY]`` tag, ``surrogate`` by a realistic
fake drawn by a keyed HMAC of the real value, with dates shifted by one offset per patient
(full dates kept) and ages over 89 written "90+". A year alone is never a detected date.

Names, ids, hashes and counts only: never a record value, a list's entries nor a key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.deid_evals import latest_deid_eval
from core.deid_lists import lists_in_force, settings_digest
from core.key_record import read_key_ids
from privacy.deid.settings import DeidSettings
from privacy.secrets import DEID_SECRET

__all__ = ["MANUAL_CHECKS", "SAFE_HARBOR", "dataset_deid", "dataset_deid_markdown", "deid_markdown",
           "latest_for_datasets", "workspace_deid"]

#: The 18 Safe Harbor identifiers (45 CFR 164.514(b)(2)(i)) and the MedSum categories that remove them.
SAFE_HARBOR: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("A", "Names", ("NAME",)),
    ("B", "Geographic subdivisions smaller than a state (street, city, county, ZIP code)", ("ADDRESS", "CITY", "ZIP")),
    ("C", "Dates (except year) related to an individual; ages over 89", ("DATE", "AGE")),
    ("D", "Telephone numbers", ("PHONE",)),
    ("E", "Fax numbers", ("FAX",)),
    ("F", "Email addresses", ("EMAIL",)),
    ("G", "Social security numbers", ("SSN",)),
    ("H", "Medical record numbers", ("MRN",)),
    ("I", "Health plan beneficiary numbers", ("HEALTH_PLAN",)),
    ("J", "Account numbers", ("ACCOUNT",)),
    ("K", "Certificate/license numbers", ("LICENSE",)),
    ("L", "Vehicle identifiers and serial numbers, including license plates", ("VEHICLE",)),
    ("M", "Device identifiers and serial numbers", ("DEVICE",)),
    ("N", "Web URLs", ("URL",)),
    ("O", "IP addresses", ("IP",)),
    ("P", "Biometric identifiers (finger and voice prints)", ()),
    ("Q", "Full-face photographs and comparable images", ()),
    ("R", "Any other unique identifying number, characteristic or code", ("ID",)),
)

_NO_CATEGORY = {
    "P": "no category: MedSum reads text only; check that the data holds no biometric data",
    "Q": "no category: MedSum reads text only (FHIR attachments that are not text are left out); check for images",
    "R": "numbers and codes only (ID); a unique characteristic in words has no category: check by hand",
    "B": "streets, towns and ZIP codes; counties, neighbourhoods and landmarks have no category of their own",
}

#: What a reviewer must check by hand whatever the settings.
MANUAL_CHECKS: tuple[str, ...] = (
    ("Identifiers in words that no category covers: a unique characteristic or event (an occupation or role "
     "that singles a person out, 'the town's only pharmacist', a newsworthy incident), a county, neighbourhood "
     "or landmark, a name that is a common word with no cue before it."),
    ("Years: a year alone is kept (Safe Harbor allows it), but Safe Harbor also removes a year that shows an "
     "age over 89 (a birth year such as 'born 1931'); MedSum does not."),
    ("Ages over 89: found with an age word or context ('92 y/o', 'pt is 94'); a bare number in a table or a "
     "list is not. Ages up to 89 are kept, as Safe Harbor allows."),
    ("Record ids are kept as given (in the dataset, and in this report's residual list): they must not be "
     "medical record numbers or other identifiers."),
    ("The residual scan's own recall: it counts the words no allow-list knows; a safe word used as a name "
     "('Hope') and a number the recognizers judged safe are not counted, so zero is not proof."),
    ("The gold set's representativeness: measured recall holds for notes like those of the gold set. A "
     "synthetic gold set (medsum synth) or a small one says little about this site's notes; the blind-scored "
     "development sets give 0.94 to 0.97 (docs/deidentification.md)."),
    ("No actual knowledge: Safe Harbor also requires that the covered entity does not know that what remains "
     "could identify a person, alone or with other information. Only the site can attest that."),
)


def _settings(config: Any) -> DeidSettings:
    """The ``[deid]`` settings of a MedsumConfig or a LoadedConfig."""
    inner = getattr(config, "config", config)
    return inner.deid  # type: ignore[no-any-return]


def _keeps(strategy: str, max_shift: int) -> list[str]:
    """What the output of ``strategy`` still holds that a reviewer must know about."""
    keeps = ["a year alone, including a birth year that shows an age over 89",
             "ages up to 89, state names and postal codes",
             "record ids as given, and each record's patient key (see the manual checks)",
             "every word on an allow-list (a safe word can be a name)"]
    if strategy == "surrogate":
        keeps[:0] = [f"full dates (day, month and year), each shifted by one offset of up to {max_shift} days per "
                     "patient, so intervals between them stay true",
                     "realistic fake names, places, ZIP codes and numbers in the format of the real ones (a fake "
                     "can match a real person or place by chance)"]
    return keeps


def _method(strategy: str | None, allow_list_pass: bool | None, residual: int | None, key_id: str | None,
            latest: dict[str, Any] | None) -> dict[str, Any]:
    """Which HIPAA method (45 CFR 164.514(b)) these settings can support, and why."""
    recall = (latest or {}).get("headline", {}).get("token_recall")
    measured = (f"the latest deid-eval measured token recall {recall} on this site's gold set"
                if recall is not None else "no deid-eval is on record for this site")
    if strategy == "surrogate":
        method = "expert_determination"
        statement = (
            "Safe Harbor is NOT supported as configured: the surrogate strategy keeps full dates (shifted per "
            "patient) where Safe Harbor removes every date element but the year, and its fakes are derived from "
            "the real values by a keyed HMAC, where a re-identification code may not be derived from information "
            "about the individual (164.514(c)): whoever holds the key "
            f"(key id {key_id or 'not recorded'}) can compute the surrogate of a guessed value for a known patient "
            "and look for it in the output, so the key must never leave the covered entity. Rely on Expert "
            "Determination (164.514(b)(1)): a qualified expert's written determination that the risk of "
            "re-identification is very small, which this tool cannot give; or import again with strategy redact.")
    elif strategy == "redact":
        method = "safe_harbor_with_review"
        statement = (
            "Safe Harbor (164.514(b)(2)) is the method these settings can support: every detected identifier "
            "becomes a [CATEGORY] tag, including every date element but a year alone, ages over 89, streets, "
            "towns and all five digits of ZIP codes. Safe Harbor asks that the 18 identifiers be removed; a "
            f"rule-based tool finds most, not all ({measured}). Claim Safe Harbor only after the checks below and "
            "a review of the output, or rely on Expert Determination, which needs an expert's sign-off the tool "
            "cannot give.")
    else:
        method = "unknown"
        statement = "The strategy is not recorded for this dataset: no method can be stated."
    warnings = []
    if allow_list_pass is False:
        warnings.append("the allow-list pass was OFF: words no detector named are left in, and the measured "
                        "recall does not apply")
    if residual:
        warnings.append(f"the residual scan left {residual} word(s) neither allow-listed nor replaced: review the "
                        "records it names before any claim")
    return {"method": method, "statement": statement, "warnings": warnings}


def dataset_deid(root: Path, config: Any, deid: dict[str, Any] | None,
                 latest: dict[str, Any] | None) -> dict[str, Any] | None:
    """The de-identification section of one dataset: what its import recorded (``deid``, from the
    privacy ledger or ``dataset.json``), the surrogate key's id and the HIPAA method statement."""
    if deid is None:
        return None
    strategy = deid.get("strategy")
    key_id = read_key_ids(root).get(DEID_SECRET) if strategy == "surrogate" else None
    settings = _settings(config)
    return {
        **deid,
        "phi_by_category": dict(sorted((deid.get("phi_by_category") or {}).items())) or None,
        "surrogate_key_id": key_id,
        "keeps": _keeps(str(strategy), settings.max_date_shift_days),
        "hipaa": _method(strategy, deid.get("allow_list_pass"), deid.get("residual"), key_id, latest),
    }


def _eval_summary(latest: dict[str, Any] | None, current: str) -> dict[str, Any] | None:
    if latest is None:
        return None
    measured = latest.get("measured", {})
    return {"file": latest.get("file"), "evaluated_at": latest.get("evaluated_at"), "gold": latest.get("gold"),
            "strategy": measured.get("strategy"), "allow_list_pass": measured.get("lists", {}).get("allow_list_pass"),
            "settings_sha256": measured.get("settings_sha256"),
            "settings_as_now": measured.get("settings_sha256") == current, **latest["headline"]}


def workspace_deid(root: Path, config: Any) -> dict[str, Any]:
    """The workspace-wide part: the lists in force, the settings' digest, the key id, the latest
    ``deid-eval`` on record (None when none), the Safe Harbor coverage table and the manual checks."""
    settings = _settings(config)
    current = settings_digest(settings)
    return {
        "strategy_configured": settings.strategy,
        "surrogate_key_id": read_key_ids(root).get(DEID_SECRET),
        "settings_sha256": current,
        "lists": lists_in_force(settings),
        "latest_eval": _eval_summary(latest_deid_eval(root), current),
        "safe_harbor": [{"item": item, "identifier": what, "categories": list(cats), "note": _NO_CATEGORY.get(item)}
                        for item, what, cats in SAFE_HARBOR],
        "manual_checks": [*MANUAL_CHECKS, _patient_key_check(config)],
    }


def _patient_key_check(config: Any) -> str:
    """What the dataset's patient column is, and why it is an identifier in the HIPAA sense."""
    inner = getattr(config, "config", config)
    fields = " or ".join("+".join(group) for group in inner.records.patient_keys) or "the record id"
    salt = inner.split.salt
    whose = "the default salt, which is public" if salt == type(inner.split)().salt else \
        "a salt kept in the workspace config, not in the secret store"
    return (f"Patient keys: each dataset keeps a patient column, an HMAC of the patient's fields ({fields}) under "
            f"the split salt ([split] salt: {whose}). It is no secret key: anyone with the dataset and the salt can "
            "test a guessed value (an MRN, a name and birth date) against it, so it counts as a code derived from "
            "the individual's information. Keep the dataset inside the covered entity, or drop the column before "
            "any disclosure.")


def latest_for_datasets(section: dict[str, Any]) -> dict[str, Any] | None:
    """The latest evaluation, in the shape :func:`dataset_deid` reads (``headline`` inside)."""
    latest = section.get("latest_eval")
    return None if latest is None else {"headline": latest}


def _list_line(item: dict[str, Any]) -> str:
    where = f" `{item['path']}`" if item.get("path") else ""
    if item.get("error"):
        return f"- {item['name']}{where}: {item['error']}"
    facts = [f"sha256 {item['sha256']}" if item.get("sha256") else None,
             f"{item['entries']} entries" if item.get("entries") is not None else None]
    shown = ", ".join(f for f in facts if f)
    return f"- {item['name']}{where}" + (f": {shown}" if shown else "")


def _eval_lines(latest: dict[str, Any] | None) -> list[str]:
    if latest is None:
        return ["- Latest `medsum deid-eval` on this site's gold set: none on record (run `medsum deid-eval "
                "--input RAW --gold GOLD --workspace WS`)."]
    gold = latest.get("gold") or {}
    by_cat = ", ".join(f"{k} {'- (no gold span)' if v is None else v}"
                       for k, v in sorted((latest.get("recall_by_category") or {}).items()))
    same = "the settings in force now" if latest.get("settings_as_now") else \
        "settings that DIFFER from those in force now (run it again)"
    return [
        (f"- Latest `medsum deid-eval` ({latest.get('evaluated_at')}, {latest.get('file')}): token recall "
         f"**{latest.get('token_recall')}**, precision {latest.get('token_precision')}, entity recall "
         f"{latest.get('entity_recall')} on {latest.get('gold_tokens')} gold tokens"),
        (f"  - gold set: {gold.get('records')} records, {gold.get('spans')} spans, sha256 {gold.get('sha256')}; "
         f"measured with {same} (allow-list pass {'on' if latest.get('allow_list_pass') else 'OFF'}, settings "
         f"sha256 {str(latest.get('settings_sha256'))[:16]}); spans are the same for surrogate and redact"),
        f"  - recall by category: {by_cat or '-'}",
    ]


def deid_markdown(section: dict[str, Any]) -> list[str]:
    """The workspace-wide de-identification section in Markdown."""
    lists = section["lists"]
    out = ["## De-identification: settings, lists and measured recall", "",
           f"- Strategy configured now: {section['strategy_configured']}; surrogate key id: "
           f"{section['surrogate_key_id'] or 'none recorded'} (a one-way tag of the key, from secrets/keys.json)",
           f"- Allow-list pass: {'on' if lists['allow_list_pass'] else '**OFF**'}; key map entries: "
           f"{lists['key_map_entries']}; largest date shift: {lists['max_date_shift_days']} days",
           *_eval_lines(section["latest_eval"]), "", "Lists in force:", ""]
    out += [_list_line(item) for item in lists["builtin"]]
    out += [_list_line(item) for item in lists["site"]] or ["- site lists: none"]
    out += ["", "Safe Harbor identifiers (45 CFR 164.514(b)(2)(i)) and the categories that remove them:", "",
            "| | identifier | categories | note |", "| --- | --- | --- | --- |"]
    out += [f"| {row['item']} | {row['identifier']} | {', '.join(row['categories']) or '-'} | {row['note'] or ''} |"
            for row in section["safe_harbor"]]
    out += ["", "Also removed: FACILITY (hospital and clinic names) and UNKNOWN (words no allow-list knows).", "",
            "What a reviewer must still check by hand:", ""]
    out += [f"{i}. {check}" for i, check in enumerate(section["manual_checks"], start=1)] + [""]
    return out


def dataset_deid_markdown(deid: dict[str, Any]) -> list[str]:
    """One dataset's de-identification lines in Markdown (the residual line is the caller's)."""
    by_category = ", ".join(f"{k} {v}" for k, v in (deid.get("phi_by_category") or {}).items())
    key = f"; surrogate key id {deid['surrogate_key_id'] or 'not recorded'}" if deid.get("strategy") == "surrogate" \
        else ""
    hipaa = deid["hipaa"]
    out = [f"- De-identification: {deid.get('strategy')}{key}; {deid.get('phi_found')} PHI found, "
           f"{deid.get('skipped')} bad records skipped",
           f"- PHI by category: {by_category or 'not recorded for this dataset'}",
           f"- HIPAA method these settings support: **{hipaa['method'].replace('_', ' ')}**. {hipaa['statement']}"]
    out += [f"- WARNING: {w}" for w in hipaa["warnings"]]
    out.append("- The output still holds: " + "; ".join(deid["keeps"]) + ".")
    return out
