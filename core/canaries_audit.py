"""``medsum privacy-audit RUN``: score a finished run's audit canaries and record the
empirical epsilon lower bound beside the accountant's epsilon.

Each canary's membership score is minus its summary's loss under the trained model (lower
loss: more likely trained on). The one-run audit of Steinke, Nasr and Jagielski (2023) turns the
scores into an epsilon lower bound (:mod:`privacy.empirical_audit`); the exposure of each secret
(Carlini et al. 2019) ranks it against ``K`` fresh secrets of the same format. The result goes
to the privacy ledger (sealed) and the audit log (``privacy.audit``); figures only, never a
secret or a canary's text.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.errors import MedsumError
from privacy.ledger import RunAudit

__all__ = ["DEFAULT_CONFIDENCE", "DEFAULT_SECRETS", "NONPRIVATE_DELTA", "AuditOutcome", "PrivacyAuditError", "audit_run"]

DEFAULT_CONFIDENCE = 0.95
#: Fresh secrets each true secret is ranked against for its exposure.
DEFAULT_SECRETS = 49
#: The delta a non-private run is audited at (it has none of its own).
NONPRIVATE_DELTA = 1e-5
METHOD = "steinke-nasr-jagielski-2023/one-run, loss score, Bonferroni over guess sizes"
_BATCH = 64


class PrivacyAuditError(MedsumError):
    """A run cannot be audited (one line naming the run)."""


@dataclass(frozen=True)
class AuditOutcome:
    """The audit as recorded, plus the non-members' mean exposure (for comparison)."""

    audit: RunAudit
    exposure_nonmember_mean: float | None

    def summary(self) -> dict[str, Any]:
        """The figures, for JSON and the audit log (no secret, no canary text)."""
        return {**asdict(self.audit), "defect": self.audit.defect,
                "exposure_nonmember_mean": self.exposure_nonmember_mean}


def _losses(summarizer: Any, sources: list[str], targets: list[str], config: dict[str, Any]) -> list[float]:
    """The mean per-token loss of each target given its source, as training tokenized them."""
    import torch

    from core.train.batching import collate, encode_pairs

    encoded = encode_pairs(summarizer.tokenizer, sources, targets,
                           max_source_len=int(config.get("max_source_len", 256)),
                           max_target_len=int(config.get("max_target_len", 64)))
    model, out = summarizer.model, []
    pad = summarizer.tokenizer.pad_token_id
    with torch.no_grad():
        for start in range(0, len(encoded), _BATCH):
            batch = collate(encoded, range(start, min(start + _BATCH, len(encoded))), pad)
            batch = {k: v.to(summarizer.device) for k, v in batch.items()}
            logits = model(**batch).logits.float()
            labels = batch["labels"]
            per_token = torch.nn.functional.cross_entropy(logits.transpose(1, 2), labels, ignore_index=-100,
                                                          reduction="none")
            counts = (labels != -100).sum(dim=1).clamp(min=1)
            out.extend((per_token.sum(dim=1) / counts).tolist())
    return out


def audit_run(root: Path, run_id: str, *, confidence: float = DEFAULT_CONFIDENCE,
              fresh_secrets: int = DEFAULT_SECRETS, device: str = "auto") -> AuditOutcome:
    """Score run ``run_id``'s canaries, compute the epsilon lower bound at ``confidence`` and the
    exposures, record them in the ledger and the audit log, and return them."""
    from core.audit import Auditor
    from core.generation.loading import load_summarizer
    from core.train.canaries import canary_source, canary_target, fresh_secret, read_canaries
    from core.train.run import run_dir
    from privacy.empirical_audit import audit_scores, exposure
    from privacy.ledger import run_epsilon

    if not 0 < confidence < 1:
        raise PrivacyAuditError(f"--confidence {confidence}: give a number between 0 and 1", exit_code=2)
    if fresh_secrets < 1:
        raise PrivacyAuditError(f"--secrets {fresh_secrets}: give at least 1", exit_code=2)
    found = read_canaries(run_dir(root, run_id))
    if found is None:
        raise PrivacyAuditError(f"run {run_id} was trained without audit canaries "
                                "(train with `medsum train ... --audit-canaries N`)")
    canaries, digits = found
    auditor = Auditor(root)
    try:
        ledger_run = auditor.ledger.get_run(run_id)
    except KeyError:
        raise PrivacyAuditError(f"run {run_id} is not in the privacy ledger") from None
    summarizer = load_summarizer(root, run=run_id, device=device)
    config = json.loads((run_dir(root, run_id) / "config.json").read_text(encoding="utf-8"))["config"]
    sources, targets = [], []
    for canary in canaries:
        candidates = [canary.secret, *(fresh_secret(digits) for _ in range(fresh_secrets))]
        sources.extend([canary_source(canary)] * len(candidates))
        targets.extend(canary_target(canary, secret) for secret in candidates)
    losses = _losses(summarizer, sources, targets, config)
    width = fresh_secrets + 1
    scores, exposures = [], []
    for n in range(len(canaries)):
        own, *others = losses[n * width:(n + 1) * width]
        scores.append(-own)
        exposures.append(exposure(1 + sum(loss < own for loss in others), width))
    members = [c.member for c in canaries]
    delta = ledger_run.dp.delta if ledger_run.dp is not None else NONPRIVATE_DELTA
    bound = audit_scores(scores, members, delta=delta, confidence=confidence)
    inside = [e for e, m in zip(exposures, members, strict=True) if m]
    outside = [e for e, m in zip(exposures, members, strict=True) if not m]
    audit = RunAudit(
        run_id=run_id, epsilon_lower=round(bound.epsilon_lower, 6), confidence=confidence, canaries=bound.canaries,
        members=bound.members, guesses=bound.guesses, correct=bound.correct, auc=round(bound.auc, 6),
        exposure_mean=round(statistics.fmean(inside), 4) if inside else None,
        exposure_max=round(max(inside), 4) if inside else None,
        accountant_epsilon=None if ledger_run.dp is None else round(float(run_epsilon(ledger_run) or 0.0), 6),
        delta=delta, method=METHOD, created_at=datetime.now(UTC).isoformat(timespec="seconds"))
    auditor.ledger.record_audit(audit)
    outcome = AuditOutcome(audit, round(statistics.fmean(outside), 4) if outside else None)
    fields = {k: v for k, v in outcome.summary().items() if k not in ("created_at", "method")}
    auditor.event("privacy.audit", **fields)
    return outcome
