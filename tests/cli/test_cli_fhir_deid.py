"""``medsum deid`` on FHIR input: a Bundle file in gives a valid Bundle out, with no PHI."""

from __future__ import annotations

import json
from pathlib import Path

from fhir.resources.R4B.bundle import Bundle

from tests.privacy.test_fhir_deid import SAMPLES, _leaks, _notes, _phi, with_notes


def test_deid_of_a_bundle_file_writes_a_valid_bundle(medsum, tmp_path: Path) -> None:
    bundle = with_notes(SAMPLES[3])
    source, out, report = tmp_path / "in.json", tmp_path / "out.json", tmp_path / "report.json"
    source.write_text(json.dumps(bundle))
    result = medsum("deid", str(source), "--out", str(out), "--strategy", "redact", "--report", str(report),
                    "--workspace", str(tmp_path / "ws"))
    assert result.code == 0, result.err
    written = json.loads(out.read_text())
    Bundle.model_validate(written)
    assert len(written["entry"]) == len(bundle["entry"])
    data = json.loads(report.read_text())
    assert data["fhir"] == {"resources": len(bundle["entry"]), "notes": 2, "attachments_skipped": 1}
    assert data["residual_total"] == 0 and data["phi_found"]["NAME"] > 0
    assert "FHIR resources" in result.out and "non-text attachment" in result.err
    everything = out.read_text() + "\n".join(_notes(written)) + report.read_text() + result.out + result.err
    assert not _leaks(_phi(bundle), everything)


def test_deid_of_bundles_with_the_keyring_secret_is_repeatable(medsum, tmp_path: Path, memory_keyring) -> None:
    folder = tmp_path / "bundles"
    folder.mkdir()
    for path in SAMPLES[:2]:
        (folder / path.name).write_text(json.dumps(with_notes(path)))
    a, b = tmp_path / "a.ndjson", tmp_path / "b.ndjson"
    for out in (a, b):
        result = medsum("deid", str(folder), "--out", str(out), "--workspace", str(tmp_path / "ws"))
        assert result.code == 0, result.err
    assert a.read_bytes() == b.read_bytes()
    lines = [json.loads(line) for line in a.read_text().splitlines()]
    assert len(lines) == 2 and all(b["resourceType"] == "Bundle" for b in lines)
    for line in lines:
        Bundle.model_validate(line)


def test_deid_of_a_malformed_bundle_fails_with_one_line_per_problem(medsum, tmp_path: Path) -> None:
    bundle = with_notes(SAMPLES[0])
    bundle["entry"][2]["resource"]["contained"] = {"secret": "Alberto"}
    source, out = tmp_path / "bad.json", tmp_path / "out.json"
    source.write_text(json.dumps(bundle))
    result = medsum("deid", str(source), "--out", str(out), "--strategy", "redact", "--workspace", str(tmp_path / "ws"))
    assert result.code != 0 and not out.exists()
    label = f"{bundle['entry'][2]['resource']['resourceType']}/{bundle['entry'][2]['resource']['id']}"
    assert f"entry 2 ({label}): contained must be an array of resources" in result.err
    assert "Alberto" not in result.err + result.out
