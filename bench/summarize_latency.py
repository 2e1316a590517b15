"""Benchmark: key-to-summary latency of the TUI's summarizer, cold and warm, against a bare
import-load-generate of the same model in the same run; and how soon ``medsum tui`` shows its
first screen.

The workspace is built like ``medsum demo`` (synthetic corpus, redacted dataset with the demo's
input fields, the demo's tiny random-init T5 from the store; no training run). Every figure is
taken in a fresh subprocess, timed from the parent's clock just before it starts, so it
includes the interpreter's start and the imports:

- ``cold_s``: :meth:`LocalBackend.summarize` of the first dataset record, as a user who opens
  the TUI and presses ``s`` at once gets it (imports, model load, secrets, audit, checks);
- ``warm_*``: the next ``--records`` dataset records in that process (median and p95), and
  ``warm_file_median_s`` for raw file records, de-identified in memory (surrogates);
- ``bare_s``: import torch and transformers, load the model and its tokenizer from the store
  directory, generate once for the first record's text with the same settings (the
  workspace's generation settings, batch 1) and the same torch thread count;
- ``first_screen_*``: imports as ``medsum tui`` does, then the app on a LocalBackend, headless,
  until its first screen is up (``App.run_test`` returns once it is painted).

Targets (tiny model, CPU): warm median 1.5 s or less; cold at most 2x bare; first screen 1 s
or less. Prints one JSON line with the figures, the ratios and whether each target is met.
An encrypted keyring file stands in for the OS keyring (``MEDSUM_KEYRING=cryptfile``), as on
a headless server: each unlock costs a key derivation, which the cold figure includes.

Run: ``.venv/bin/python bench/summarize_latency.py [--records 8] [--screens 3] [--n 200]
[--workspace DIR] [--only-screen]``; ``--only-screen`` takes the first-screen figures alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_WARM_S, TARGET_COLD_RATIO, TARGET_SCREEN_S = 1.5, 2.0, 1.0


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


# -- children (fresh processes) ----------------------------------------------------------------
def child_tui(t0: float, workspace: str, plan: dict) -> dict:
    """The TUI's path: cold first summary, then warm ones."""
    from core.workspace import resolve_workspace
    from medsum_tui.tui.backend import RecordSource, SummarizerChoice
    from medsum_tui.tui.local import LocalBackend

    backend = LocalBackend(resolve_workspace(Path(workspace)))
    choice = SummarizerChoice("model", plan["model"], f"model {plan['model']}")
    dataset = RecordSource("dataset", plan["dataset"], "test")
    ids = plan["dataset_ids"]
    backend.summarize(dataset, ids[0], choice)
    cold = time.time() - t0
    warm = []
    for record_id in ids[1:]:
        start = time.perf_counter()
        backend.summarize(dataset, record_id, choice)
        warm.append(time.perf_counter() - start)
    file_source = RecordSource("file", plan["file"])
    warm_file = []
    for record_id in plan["file_ids"]:
        start = time.perf_counter()
        backend.summarize(file_source, record_id, choice)
        warm_file.append(time.perf_counter() - start)
    import torch

    return {"cold_s": cold, "warm": warm, "warm_file": warm_file, "threads": torch.get_num_threads()}


def child_bare(t0: float, workspace: str, plan: dict) -> dict:
    """Only import, load and generate once, as a script would without MedSum."""
    import torch
    import transformers

    from core.generation.threads import interactive_threads

    torch.set_num_threads(interactive_threads(torch.get_num_threads()))
    path = Path(workspace) / "models" / plan["model"]
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    model = transformers.T5ForConditionalGeneration.from_pretrained(str(path), local_files_only=True,
                                                                    use_safetensors=True).eval()
    s = plan["settings"]
    batch = tokenizer([plan["text"]], truncation=True, max_length=s["max_source_len"], return_tensors="pt")
    with torch.inference_mode():
        model.generate(**batch, num_beams=s["num_beams"], max_new_tokens=s["max_new_tokens"],
                       no_repeat_ngram_size=s["no_repeat_ngram_size"], early_stopping=True, do_sample=False)
    return {"bare_s": time.time() - t0, "threads": torch.get_num_threads()}


def child_screen(t0: float, workspace: str, plan: dict) -> dict:
    """``medsum tui``'s imports, then the app headless until its first screen is up."""
    import medsum_tui.cli  # noqa: F401  (what `medsum tui` imports before the command runs)
    from medsum_tui.cli._runtime import settings_for_command
    from medsum_tui.tui.app import MedsumApp
    from medsum_tui.tui.local import LocalBackend

    location, _ = settings_for_command(Path(workspace))
    shown: list[float] = []

    async def run() -> None:
        app = MedsumApp(LocalBackend(location))
        async with app.run_test(size=(120, 40)):
            shown.append(time.time() - t0)
            shown.append(float(type(app.screen).__name__ == "DashboardScreen"))
    asyncio.run(run())
    return {"first_screen_s": shown[0], "dashboard": bool(shown[1])}


CHILDREN = {"tui": child_tui, "bare": child_bare, "screen": child_screen}


def _spawn(kind: str, workspace: str, plan_file: str) -> dict:
    t0 = time.time()
    out = subprocess.run([sys.executable, __file__, "--child", kind, "--t0", repr(t0), "--workspace", workspace,
                          "--plan", plan_file], capture_output=True, text=True, check=False, cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(f"{kind} child failed: {out.stderr.strip().splitlines()[-1:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- parent ------------------------------------------------------------------------------------
def build_workspace(root: Path, n: int, seed: int) -> tuple[str, str, str]:
    """A demo-like workspace: (dataset, model, raw records file)."""
    from core.demo import DEMO_MODEL, build_demo_model, import_demo_dataset
    from core.synth import generate_corpus, write_corpus
    from core.workspace import init_workspace, resolve_workspace

    opened, _ = init_workspace(resolve_workspace(root))
    corpus = opened.root / "demo" / "synthetic.jsonl"
    if not corpus.is_file():
        corpus.parent.mkdir(mode=0o700, exist_ok=True)
        write_corpus(generate_corpus(n, seed), corpus, None)
    dataset, _ = import_demo_dataset(opened, corpus, n=n, seed=seed)
    build_demo_model(opened, dataset, seed=seed)
    return dataset, DEMO_MODEL, str(corpus)


def make_plan(root: Path, dataset: str, model: str, corpus: str, records: int) -> dict:
    """Which records each child summarizes, and the settings the bare child uses."""
    from core.datasets import load_splits
    from core.generation import GenerationSettings
    from core.workspace import open_workspace, resolve_workspace

    test = load_splits(root, dataset)["test"]
    ids, texts = list(test["id"])[: records + 1], list(test["source"])
    config = open_workspace(resolve_workspace(root)).config
    settings = GenerationSettings.from_config(config.generation).with_changes(batch_size=1).to_json()
    file_ids = [json.loads(line)["id"] for line in Path(corpus).read_text(encoding="utf-8").splitlines()[:4]]
    return {"dataset": dataset, "model": model, "dataset_ids": ids, "text": texts[0], "settings": settings,
            "file": corpus, "file_ids": file_ids}


def _print_screens(model: str, screens: list[dict]) -> None:
    first_screen = statistics.median(s["first_screen_s"] for s in screens)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    print(json.dumps({
        "bench": "summarize_latency", "only": "first_screen", "model": model, "device": "cpu",
        "first_screen_s": round(first_screen, 3), "first_screen_runs_s": [round(s["first_screen_s"], 3)
                                                                           for s in screens],
        "dashboard": all(s["dashboard"] for s in screens), "load_avg_1m": load,
        "targets": {"first_screen_le_1_s": first_screen <= TARGET_SCREEN_S},
    }), flush=True)


def main() -> None:
    """Build (or reuse) the workspace, run the children, print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=8, help="warm dataset records after the cold one")
    parser.add_argument("--screens", type=int, default=3, help="first-screen measurements (median)")
    parser.add_argument("--n", type=int, default=200, help="synthetic records in the workspace")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workspace", help="reuse (or make) this workspace instead of a temporary one")
    parser.add_argument("--only-screen", action="store_true", help="measure the first screen only")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--t0", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--plan", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("MEDSUM_KEYRING", "cryptfile")
    os.environ.setdefault("MEDSUM_KEYRING_PASSPHRASE", "bench-only-passphrase")
    if args.child:
        plan = json.loads(Path(args.plan).read_text(encoding="utf-8"))
        print(json.dumps(CHILDREN[args.child](args.t0, args.workspace, plan)), flush=True)
        os._exit(0)  # leave the app's background import thread behind at once
    with tempfile.TemporaryDirectory(prefix="medsum-latency-") as tmp:
        root = Path(args.workspace) if args.workspace else Path(tmp) / "ws"
        dataset, model, corpus = build_workspace(root, args.n, args.seed)
        plan_file = Path(tmp) / "plan.json"
        plan_file.write_text(json.dumps(make_plan(root, dataset, model, corpus, args.records)), encoding="utf-8")
        if args.only_screen:
            _print_screens(model, [_spawn("screen", str(root), str(plan_file)) for _ in range(args.screens)])
            return
        bare = _spawn("bare", str(root), str(plan_file))
        tui = _spawn("tui", str(root), str(plan_file))
        bare_again = _spawn("bare", str(root), str(plan_file))  # either side of the cold run: load drifts
        screens = [_spawn("screen", str(root), str(plan_file)) for _ in range(args.screens)]
    bare_s = statistics.mean([bare["bare_s"], bare_again["bare_s"]])
    warm_median = statistics.median(tui["warm"])
    first_screen = statistics.median(s["first_screen_s"] for s in screens)
    cold_ratio = tui["cold_s"] / bare_s
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    print(json.dumps({
        "bench": "summarize_latency", "model": model, "device": "cpu", "records_warm": len(tui["warm"]),
        "cold_s": round(tui["cold_s"], 3), "bare_s": round(bare_s, 3),
        "bare_runs_s": [round(bare["bare_s"], 3), round(bare_again["bare_s"], 3)],
        "cold_vs_bare": round(cold_ratio, 2),
        "warm_median_s": round(warm_median, 3), "warm_p95_s": round(_p95(tui["warm"]), 3),
        "warm_file_median_s": round(statistics.median(tui["warm_file"]), 3),
        "warm_vs_bare": round(warm_median / bare_s, 3),
        "first_screen_s": round(first_screen, 3), "first_screen_runs_s": [round(s["first_screen_s"], 3)
                                                                           for s in screens],
        "torch_threads": tui["threads"], "bare_threads": bare["threads"], "load_avg_1m": load,
        "targets": {"warm_median_le_1_5_s": warm_median <= TARGET_WARM_S,
                    "cold_le_2x_bare": cold_ratio <= TARGET_COLD_RATIO,
                    "first_screen_le_1_s": first_screen <= TARGET_SCREEN_S},
    }), flush=True)


if __name__ == "__main__":
    main()
