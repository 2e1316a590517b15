"""``--json`` on the commands that list or report: one JSON object on stdout, nothing else there,
under the ``medsum.<kind>`` schema header (docs/cli.md, "JSON output")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import tiny_model_workspace


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A workspace with dataset ``notes`` (40 records) and the tiny T5 ``tt``."""
    root = tmp_path_factory.mktemp("json-ws") / "ws"
    with tiny_model_workspace(root, records=40, seed=5):
        pass
    return str(root)


def _document(out: str, kind: str) -> dict:
    """stdout parsed as one JSON object, after checking its schema header comes first."""
    data = json.loads(out)
    assert list(data)[:2] == ["schema", "schema_version"]
    assert (data["schema"], data["schema_version"]) == (f"medsum.{kind}", 1)
    return data


def test_data_list_and_show(medsum, ws: str) -> None:
    listed = medsum("data", "list", "--json", "-w", ws)
    assert listed.code == 0, listed.err
    [entry] = _document(listed.out, "data.list")["datasets"]
    assert entry["name"] == "notes" and entry["records"] == 40 and sum(entry["splits"].values()) == 40
    shown = medsum("data", "show", "notes", "--json", "-w", ws)
    data = _document(shown.out, "data.show")
    assert data["fingerprint"] == entry["fingerprint"] and data["strategy"] == "redact"
    assert data["lengths"] is None and data["length_model"] is None
    with_lengths = _document(medsum("data", "show", "notes", "--model", "tt", "--json", "-w", ws).out, "data.show")
    assert with_lengths["lengths"]["train"]["source"]["max"] > 0


def test_models_list_and_verify(medsum, ws: str) -> None:
    [model] = _document(medsum("models", "list", "--json", "-w", ws).out, "models.list")["models"]
    assert model["name"] == "tt" and model["family"] == "t5" and model["source"] == "init-tiny"
    ok = medsum("models", "verify", "tt", "--json", "-w", ws)
    assert ok.code == 0 and _document(ok.out, "models.verify") == {
        "schema": "medsum.models.verify", "schema_version": 1, "name": "tt", "ok": True, "manifest_problem": None,
        "problems": []}


def test_models_verify_json_names_a_changed_file_and_exits_1(medsum, ws: str) -> None:
    config = Path(ws) / "models" / "tt" / "config.json"
    before = config.read_text()
    try:
        config.write_text(before + " ")
        bad = medsum("models", "verify", "tt", "--json", "-w", ws)
    finally:
        config.write_text(before)
    data = _document(bad.out, "models.verify")
    assert bad.code == 1 and data["ok"] is False and {"file": "config.json", "status": "changed"} in data["problems"]
    assert bad.err.startswith("medsum: error: model tt does not match its manifest")


def test_data_check_json_lists_problems_and_exits_1(medsum, tmp_path: Path) -> None:
    records = tmp_path / "r.jsonl"
    assert medsum("synth", "--n", "6", "--out", str(records)).code == 0
    records.write_text(records.read_text() + "{not json\n")
    result = medsum("data", "check", str(records), "--json")
    data = _document(result.out, "data.check")
    assert result.code == 1 and data["ok"] is False
    assert (data["records_ok"], data["problem_count"]) == (6, 1)
    assert data["problems"][0]["line"] == 7 and "malformed JSON" in data["problems"][0]["message"]


def test_deid_and_deid_eval(medsum, tmp_path: Path) -> None:
    records, gold, out = tmp_path / "raw.jsonl", tmp_path / "gold.jsonl", tmp_path / "out.jsonl"
    assert medsum("synth", "--n", "10", "--out", str(records), "--gold", str(gold)).code == 0
    result = medsum("deid", str(records), "--out", str(out), "--strategy", "redact", "--json")
    data = _document(result.out, "deid")
    assert result.code == 0 and data["records"] == 10 and data["phi_found_total"] > 0 and data["out"] == str(out)
    scores = _document(medsum("deid-eval", "--input", str(records), "--gold", str(gold), "--json").out, "deid-eval")
    assert "token" in json.dumps(scores) and scores["schema"] == "medsum.deid-eval"


def test_doctor_json_keeps_its_fields(medsum, tmp_path: Path) -> None:
    data = _document(medsum("doctor", "--json", "--quick", "-w", str(tmp_path / "ws")).out, "doctor")
    assert isinstance(data["ok"], bool) and {"name", "status", "detail"} <= set(data["checks"][0])


def test_json_output_is_kept_under_quiet(medsum, ws: str) -> None:
    assert _document(medsum("-q", "models", "list", "--json", "-w", ws).out, "models.list")["models"]
