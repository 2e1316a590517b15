"""The compliance report's de-identification section, the recorded ``deid-eval``, the report's
own SHA-256 and its export entry, and ``medsum budget``'s exit codes, ``--check`` and ``--json``."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from core.audit import audit_path, logged
from core.config import MedsumConfig
from core.key_record import read_key_ids
from core.report import compliance_report, render_markdown
from core.report_integrity import FOOTER_MARK, JSON_CHECK, check_report
from core.secrets import workspace_secret
from privacy.secrets import DEID_SECRET
from tests.ledgers import sealed_ledger


@pytest.fixture
def imported(medsum, tmp_path: Path) -> tuple[Path, Path, Path]:
    """A workspace with one imported synthetic dataset (surrogate); the raw file and its gold spans."""
    root, raw, gold = tmp_path / "ws", tmp_path / "raw.jsonl", tmp_path / "gold.jsonl"
    assert medsum("init", "--workspace", str(root)).code == 0
    assert medsum("synth", "--n", "6", "--seed", "3", "--out", str(raw), "--gold", str(gold)).code == 0
    result = medsum("data", "import", str(raw), "--name", "notes", "--workspace", str(root))
    assert result.code == 0, result.err
    return root, raw, gold


def _secrets_in(text: str, root: Path, raw: Path) -> list[str]:
    """The known PHI and key material of the workspace that ``text`` holds (none, we hope)."""
    first = json.loads(raw.read_text().splitlines()[0])
    key = workspace_secret(root, DEID_SECRET, create=False)
    assert key is not None
    needles = [first["patient_name"], first["ssn"], first["phone"], key.hex(), base64.b64encode(key).decode()]
    return [n for n in needles if n in text]


def test_report_shows_the_deid_section_and_the_latest_deid_eval(medsum, imported, tmp_path: Path) -> None:
    root, raw, gold = imported
    before = tmp_path / "before.md"
    assert medsum("budget", "--workspace", str(root), "--report", str(before)).code == 0
    assert "Latest `medsum deid-eval` on this site's gold set: none on record" in before.read_text()

    evaluated = medsum("deid-eval", "--input", str(raw), "--gold", str(gold), "--workspace", str(root))
    assert evaluated.code == 0, evaluated.err
    (record_file,) = (root / "deid-evals").glob("*.json")
    record = json.loads(record_file.read_text())
    gold_rows = [json.loads(line) for line in gold.read_text().splitlines()]
    assert record["gold"]["spans"] == len(gold_rows)
    assert record["gold"]["records"] == len({r["record_id"] for r in gold_rows})
    ((_, entry),) = list(logged(root, "deid.eval"))
    assert entry["gold_sha256"] == record["gold"]["sha256"] and entry["gold_spans"] == len(gold_rows)
    assert entry["token_recall"] == record["headline"]["token_recall"] > 0.9

    md, js = tmp_path / "report.md", tmp_path / "report.json"
    for path in (md, js):
        assert medsum("budget", "--workspace", str(root), "--report", str(path)).code == 0
    data = json.loads(js.read_text())
    (notes,) = data["datasets"]
    deid = notes["deid"]
    (_, imported_entry), = list(logged(root, "data.import"))
    assert deid["phi_by_category"] == imported_entry["phi_by_category"] and sum(deid["phi_by_category"].values()) > 0
    assert deid["strategy"] == "surrogate" and deid["surrogate_key_id"] == read_key_ids(root)[DEID_SECRET]
    assert deid["residual"] == 0 and deid["hipaa"]["method"] == "expert_determination"
    latest = data["deidentification"]["latest_eval"]
    assert latest["gold"]["sha256"] == record["gold"]["sha256"] and latest["settings_as_now"] is True
    assert latest["token_recall"] == record["headline"]["token_recall"]
    text = md.read_text()
    for expected in (f"surrogate key id {deid['surrogate_key_id']}",
                     "PHI by category: " + ", ".join(f"{k} {v}" for k, v in sorted(deid["phi_by_category"].items())),
                     "Residual scan: 0 word token(s)", "**expert determination**", "Safe Harbor is NOT supported",
                     "keeps full dates", f"token recall **{latest['token_recall']}**", record["gold"]["sha256"],
                     "| P | Biometric identifiers", "No actual knowledge", "a birth year that shows an age over 89"):
        assert expected in text, expected
    assert "none on record" not in text
    for where in (text, js.read_text(), record_file.read_text(), audit_path(root).read_text()):
        assert _secrets_in(where, root, raw) == []


def test_a_redacted_dataset_supports_safe_harbor_with_review(tmp_path: Path) -> None:
    ledger = sealed_ledger(tmp_path)
    ledger.record_dataset("red", fingerprint="a" * 64, records=3, patients=3,
                          deid={"strategy": "redact", "phi_found": 5, "phi_by_category": {"NAME": 3, "DATE": 2},
                                "residual": 2, "residual_records": ["r-2"], "allow_list_pass": False, "skipped": 0})
    deny = tmp_path / "deny.txt"
    deny.write_text("# staff roster\nOkafor\tNAME\nKeane Memorial\tFACILITY\n")
    config = MedsumConfig.model_validate({"deid": {"deny_words_file": str(deny), "allow_words": ["zorbitrel"]}})
    report = compliance_report(tmp_path, config)
    site = report["deidentification"]["lists"]["site"]
    assert [(s["name"], s["entries"]) for s in site] == [("deid.allow_words (inline)", 1),
                                                         ("deid.deny_words_file", 2)]
    assert site[1]["path"] == str(deny) and site[1]["sha256"] == hashlib.sha256(deny.read_bytes()).hexdigest()
    hipaa = report["datasets"][0]["deid"]["hipaa"]
    assert hipaa["method"] == "safe_harbor_with_review" and "no deid-eval is on record" in hipaa["statement"]
    assert any("allow-list pass was OFF" in w for w in hipaa["warnings"])
    assert any("left 2 word(s)" in w for w in hipaa["warnings"])
    text = render_markdown(report)
    assert "**safe harbor with review**" in text and "PHI by category: DATE 2, NAME 3" in text
    assert "none on record" in text and "surrogate key id" not in text.split("## Dataset red")[1]
    assert f"`{deny}`: sha256 {site[1]['sha256']}, 2 entries" in text
    assert "Patient keys: each dataset keeps a patient column" in text and "the default salt, which is public" in text
    assert "Okafor" not in text and "Keane" not in text and "zorbitrel" not in text  # counted, never listed


def _flip_body_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    at = data.index(b"Records: ")
    data[at] = ord("r")
    path.write_bytes(bytes(data))


def test_the_report_states_its_sha256_and_export_entry_and_an_edit_fails_the_check(
        medsum, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    assert medsum("init", "--workspace", str(root)).code == 0
    sealed_ledger(root).record_dataset("notes", fingerprint="f" * 64, records=2, patients=2,
                                       deid={"strategy": "redact", "phi_found": 1, "residual": 0, "skipped": 0})
    md, js = tmp_path / "r.md", tmp_path / "r.json"
    for path in (md, js):
        result = medsum("budget", "--workspace", str(root), "--report", str(path))
        assert result.code == 0, result.err
        check = check_report(path)
        assert check.ok and check.stated == check.computed
        entries = dict(logged(root, "report.export"))
        assert entries[check.seq]["body_sha256"] == check.stated  # the stated seq's entry holds the hash
        assert f"body sha256 {check.stated}, audit entry seq {check.seq}" in result.out
    shell = subprocess.run(["sh", "-c", f"sed '/^{FOOTER_MARK}$/,$d' '{md}' | sha256sum"], capture_output=True,
                           text=True, check=True)
    assert shell.stdout.split()[0] == check_report(md).stated
    _flip_body_byte(md)
    assert not check_report(md).ok
    edited = subprocess.run(["sh", "-c", f"sed '/^{FOOTER_MARK}$/,$d' '{md}' | sha256sum"], capture_output=True,
                            text=True, check=True)
    assert edited.stdout.split()[0] != check_report(md).stated
    digests = subprocess.run(["sh", "-c", JSON_CHECK.replace("REPORT.json", f"'{js}'")], capture_output=True,
                             text=True, check=True).stdout.split()
    assert digests[0] == digests[1] == check_report(js).stated  # the documented one-liner
    document = json.loads(js.read_text())
    document["datasets"][0]["records"] = 3
    js.write_text(json.dumps(document, indent=2))
    assert not check_report(js).ok
    digests = subprocess.run(["sh", "-c", JSON_CHECK.replace("REPORT.json", f"'{js}'")], capture_output=True,
                             text=True, check=True).stdout.split()
    assert digests[0] != digests[1]


@pytest.fixture
def over(medsum, tmp_path: Path) -> Path:
    """A workspace whose dataset ``notes`` has a non-private run (unbounded spend)."""
    root = tmp_path / "ws"
    assert medsum("init", "--workspace", str(root)).code == 0
    ledger = sealed_ledger(root)
    ledger.record_dataset("notes", fingerprint="f" * 64, records=4, patients=4,
                          deid={"strategy": "redact", "phi_found": 0, "residual": 0, "skipped": 0})
    ledger.reserve("r-plain", dataset="notes", fingerprint="f" * 64, model="tb", dp=None, planned_epsilon=None)
    ledger.settle("r-plain", steps_done=5, epsilon=None, outcome="finished")
    return root


def test_budget_check_and_json_and_exit_codes(medsum, over: Path) -> None:
    quiet = medsum("budget", "--check", "--workspace", str(over))
    assert quiet.code == 0 and quiet.out == "" and quiet.err == ""  # no policy: nothing is over it
    (over / "config.toml").write_text("schema_version = 1\n[budget]\nmax_epsilon = 5.0\n")
    checked = medsum("budget", "--check", "--workspace", str(over))
    assert checked.code == 1 and checked.out == ""
    assert checked.err == ("medsum: error: dataset notes: over the policy: the budget is unbounded and the policy's "
                           "max epsilon is 5.00\n")
    assert medsum("budget", "--workspace", str(over)).code == 1
    shown = medsum("budget", "--json", "--workspace", str(over))
    assert shown.code == 1
    data = json.loads(shown.out)
    assert (data["schema"], data["schema_version"], data["over_policy"]) == ("medsum.budget", 1, ["notes"])
    (notes,) = data["datasets"]
    assert notes["within_policy"] is False and notes["nonprivate_runs"] == ["r-plain"]
    assert notes["spent"]["unbounded"] is True and notes["policy"]["max_epsilon"] == 5.0
    assert notes["runs"] == {"private": 0, "nonprivate": 1, "reserved": 0}
    both = medsum("budget", "--check", "--json", "--workspace", str(over))
    assert both.code == 2 and both.err.count("\n") == 1


def test_a_report_of_a_failed_audit_log_is_written_and_exits_1(medsum, over: Path, tmp_path: Path) -> None:
    first = tmp_path / "first.json"
    assert medsum("budget", "--workspace", str(over), "--report", str(first)).code == 0
    assert medsum("budget", "--workspace", str(over), "--report", str(tmp_path / "second.json")).code == 0
    log = audit_path(over)
    lines = log.read_text().splitlines(keepends=True)
    log.write_text(lines[0].replace('"format":"json"', '"format":"md"') + "".join(lines[1:]))  # entry 1 edited
    report = tmp_path / "failed.md"
    result = medsum("budget", "--workspace", str(over), "--report", str(report))
    assert result.code == 1 and report.is_file()
    assert "Audit log: **FAILED** verification" in report.read_text() and check_report(report).ok
    assert "the report" in result.err and "was written and says so" in result.err
    log.write_text("".join(lines[:-1]) + lines[-1].replace('"format":"json"', '"format":"md"'))  # the tail edited
    refused = tmp_path / "refused.json"
    result = medsum("budget", "--workspace", str(over), "--report", str(refused))
    assert result.code == 1 and refused.is_file()
    integrity = json.loads(refused.read_text())["integrity"]
    assert integrity["audit_seq"] is None and "mac" in integrity["audit_refused"] and check_report(refused).ok
