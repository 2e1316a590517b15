"""Run the MedSum pipeline on real clinical text: MTS-Dialog doctor-patient dialogues.

MTS-Dialog: Ben Abacha, Yim, Fan and Lin, "An Empirical Study of Clinical Note Generation
from Doctor-Patient Encounters", EACL 2023; Creative Commons Attribution 4.0. Each record's
model input is its ``dialogue`` and its reference summary the clinician's note section
(``summary``).

The stages are the ones the CLI runs (``medsum data import --input-fields dialogue
--target-field summary``, ``medsum models init-tiny --from-data``, ``medsum train --full``,
``medsum eval``), called through the same core functions:

1. import ``train.jsonl`` (and ``validation.jsonl`` when present, as more records) as a
   de-identified dataset, split by patient;
2. build a tiny random-init T5 with a tokenizer trained on the dataset's train split;
3. fine-tune it on the CPU;
4. evaluate it on the test split beside the baselines (structured summary, lead-3, the
   untrained base model), and print the report table and the report's path.

No pretrained weights exist on this machine, so the model is the demo's tiny one: the
report shows how it compares with the baselines on real text, not a clinically useful model.

Run: ``.venv/bin/python scripts/mts_dialog.py --workspace WS [--data DIR] [--epochs N]``
(the workspace needs a secret store for its audit log: see the README's quick start).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.guard import configure_network_guard
from core.workspace import init_workspace, resolve_workspace

DATASET = "mts-dialog"
MODEL = "mts-tiny-t5"


def _records(data: Path, out: Path) -> None:
    """Join the data directory's JSON Lines files into one input file."""
    files = sorted(data.glob("*.jsonl"))
    if not files:
        raise SystemExit(f"{data}: no .jsonl files (expected MTS-Dialog's train.jsonl / validation.jsonl)")
    lines = [line for f in files for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    """Import, build, train and evaluate; print the report table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "mts-dialog")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--max-steps", type=int, default=None)
    parser.add_argument("--limit", type=int, default=None, help="evaluate at most this many test records")
    parser.add_argument("--num-beams", type=int, default=1)
    args = parser.parse_args()

    from core.datasets import DatasetError, get_dataset, import_dataset, load_splits
    from core.evaluation.report import systems_table
    from core.evaluation.run_eval import EvalOptions, evaluate_run, report_paths
    from core.models import ModelError, get_model, init_tiny
    from core.train.config import TrainConfig
    from core.train.run import run_dir, start_run

    opened, _ = init_workspace(resolve_workspace(args.workspace))
    configure_network_guard(opened.loaded)
    started = time.perf_counter()
    try:
        entry = get_dataset(opened.root, DATASET)
    except DatasetError:
        with tempfile.TemporaryDirectory() as tmp:
            joined = Path(tmp) / "mts-dialog.jsonl"
            _records(args.data, joined)
            entry = import_dataset(opened, joined, DATASET, input_fields=["dialogue"], target_field="summary",
                                   strategy="redact")
    print(f"dataset {DATASET}: {entry.records} records, splits {entry.splits}", flush=True)
    try:
        get_model(opened.root, MODEL)
    except ModelError:
        train = load_splits(opened.root, DATASET)["train"]
        init_tiny(opened.root, "t5", MODEL, [*train["source"], *train["target"]], seed=0)
    config = TrainConfig(dataset=DATASET, model=MODEL, full=True, epochs=args.epochs, max_steps=args.max_steps,
                         batch_size=16, learning_rate=6e-3, warmup_ratio=0.05, weight_decay=0.0,
                         max_source_len=512, max_target_len=256, device="cpu", patience=args.epochs)
    info = start_run(opened.root, config)
    print(f"run {info.run_id}: {info.status.value}, {info.step} steps, best validation loss "
          f"{info.best_val_loss and round(info.best_val_loss, 4)}", flush=True)
    options = EvalOptions(split="test", num_beams=args.num_beams, max_new_tokens=256, batch_size=16,
                          no_repeat_ngram_size=0, limit=args.limit)
    report = evaluate_run(opened.root, info.run_id, options, config=opened.config)
    for row in systems_table(report):
        print("  ".join(f"{cell:<20}" if i == 0 else f"{cell:>10}" for i, cell in enumerate(row)))
    print(f"PHI scan: {report['phi_scan']['new']} new identifiers in {report['phi_scan']['summaries']} summaries")
    print(f"report: {report_paths(run_dir(opened.root, info.run_id), 'test')[1]}")
    print(json.dumps({"pipeline": "mts-dialog", "records": entry.records, "run": info.run_id, "steps": info.step,
                      "seconds": round(time.perf_counter() - started, 1),
                      "rougeL": {name: s["rouge"]["rougeL"] for name, s in report["systems"].items()}}))


if __name__ == "__main__":
    from core.errors import MedsumError

    try:
        main()
    except MedsumError as exc:  # bad input, a missing secret store...: one line, as the CLI does
        print(f"mts_dialog: error: {exc}", file=sys.stderr)
        sys.exit(getattr(exc, "exit_code", 1))
