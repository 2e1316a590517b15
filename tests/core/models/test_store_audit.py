"""Model imports and verifications are audited with the manifest's SHA-256."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from core.audit import audit_path, verify_audit
from core.models import import_model
from core.models.store import verify_details


def _entries(root: Path) -> list[dict]:
    return [json.loads(line) for line in audit_path(root).read_text().splitlines()]


def test_import_and_verify_are_audited(root: Path, checkpoints: dict[str, Path]) -> None:
    entry = import_model(root, checkpoints["bart"], "bart-a")
    manifest = hashlib.sha256((entry.path / "manifest.json").read_bytes()).hexdigest()
    assert verify_details(root, "bart-a") == []
    weights = next(entry.path.glob("*.safetensors"))
    weights.write_bytes(weights.read_bytes() + b"x")
    assert len(verify_details(root, "bart-a")) == 1
    imported, good, bad = _entries(root)
    assert imported["op"] == "models.import"
    assert imported["fields"] == {"model": "bart-a", "manifest_sha256": manifest, "architecture": entry.architecture,
                                  "parameters": entry.parameters, "files": len(list(checkpoints["bart"].iterdir())),
                                  "origin": "import", "allow_pickle": False}
    assert (good["op"], good["fields"]["ok"], good["fields"]["mismatches"]) == ("models.verify", True, 0)
    assert (bad["fields"]["ok"], bad["fields"]["mismatches"], bad["fields"]["manifest_sha256"]) == (False, 1, manifest)
    assert str(checkpoints["bart"]) not in audit_path(root).read_text()
    assert verify_audit(root).entries == 3
