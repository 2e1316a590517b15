"""``bench/deid.py --memory``: the peak memory of ``medsum deid`` as its input grows.

Writes synthetic JSON Lines of two sizes (``--small-mb`` and ``--mb``) to a temporary
directory, runs the real command on each as a subprocess (``python -m medsum_tui deid``, in a
workspace of its own with the encrypted-file keyring) with one process and with
``--workers 2``, and reports per run:

- ``peak_rss_mb``: the largest resident set of any one process of the run, from the
  high-water mark the kernel keeps for each (``VmHWM``), read every ``--interval`` seconds
  (growth in a process's last interval before it ends is missed). Not ``ru_maxrss``: a child
  started by ``fork``/``vfork`` and ``exec`` inherits its parent's high-water mark in it;
- ``peak_tree_rss_mb``: the largest sum of the resident sets of the command and its worker
  processes, sampled every ``--interval`` seconds from ``/proc`` (pages a forked worker
  shares with its parent are counted in both);
- ``peak_tree_pss_mb``: the same sum of proportional set sizes (``smaps_rollup``), which
  counts a shared page once: the memory the run takes from the machine.

The same-run baseline is the same command on about 1 MB of input (what the interpreter, the
detectors and their word lists take before any record), for each number of workers.
``ratio_*`` is the large run's peak over the small run's (1.0 is flat; memory in step with
the input would give the size ratio), ``above_baseline_*`` what the small and the large run
took over the baseline, in MB. The input is ``--distinct``
synthetic records (``medsum synth``) repeated with fresh ids, so the detectors' bounded
caches fill sooner than on real text; the records are not held, repeated or not.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from core.synth import generate_corpus

__all__ = ["memory_line", "peak_memory", "write_input"]

_PASSPHRASE = "bench-only-not-a-secret"


def write_input(path: Path, megabytes: float, *, seed: int, distinct: int) -> int:
    """Write at least ``megabytes`` MB of JSON Lines to ``path``: ``distinct`` synthetic
    records repeated with fresh ids (``c<copy>-<id>``). Returns the number of records."""
    rows = generate_corpus(distinct, seed).records
    tails = [json.dumps({k: v for k, v in row.items() if k != "id"}, ensure_ascii=False)[1:] for row in rows]
    ids = [str(row["id"]) for row in rows]
    target, written, count, copy = megabytes * 1e6, 0, 0, 0
    with path.open("w", encoding="utf-8") as handle:
        while written < target:
            for rid, tail in zip(ids, tails):
                line = f'{{"id": "c{copy}-{rid}", {tail}\n'
                handle.write(line)
                written += len(line.encode("utf-8"))
                count += 1
                if written >= target:
                    break
            copy += 1
    return count


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as handle:
                found += [int(p) for p in handle.read().split()]
    except OSError:
        pass
    return found


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants, now."""
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        todo += _children(current)
    return pids


def _kb(path: str, field: str) -> int:
    """A ``field:  N kB`` line of a /proc file, in kB (0 if the process is gone)."""
    try:
        with open(path, encoding="ascii") as handle:
            for line in handle:
                if line.startswith(field):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def peak_memory(args: list[str], env: dict[str, str], cwd: Path, interval: float) -> dict[str, Any]:
    """Run ``python -m medsum_tui ARGS`` and measure its memory (see the module's docstring)."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "medsum_tui", *args], cwd=cwd, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    tree_rss = tree_pss = processes = 0
    high: dict[int, int] = {}  # each process's VmHWM, last read
    while True:
        pid, status = os.waitpid(proc.pid, os.WNOHANG)
        if pid:
            break
        pids = _tree(proc.pid)
        processes = max(processes, len(pids))
        for p in pids:
            high[p] = max(high.get(p, 0), _kb(f"/proc/{p}/status", "VmHWM:"))
        tree_rss = max(tree_rss, sum(_kb(f"/proc/{p}/status", "VmRSS:") for p in pids))
        tree_pss = max(tree_pss, sum(_kb(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids))
        time.sleep(interval)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read()  # type: ignore[union-attr]
    if proc.returncode:
        raise SystemExit(f"medsum {' '.join(args[:1])} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return {"peak_rss_mb": round(max(high.values(), default=0) / 1024, 1), "peak_tree_rss_mb": round(tree_rss / 1024, 1),
            "peak_tree_pss_mb": round(tree_pss / 1024, 1), "processes": processes, "seconds": round(seconds, 1)}


def memory_line(*, big_mb: float, small_mb: float, workers: list[int], strategy: str, seed: int,
                distinct: int, interval: float, root: Path) -> dict[str, Any]:
    """Measure every run and return the JSON line's content."""
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        env = {**os.environ, "MEDSUM_HOME": str(base / "ws"), "MEDSUM_KEYRING": "cryptfile",
               "MEDSUM_KEYRING_PASSPHRASE": _PASSPHRASE}
        subprocess.run([sys.executable, "-m", "medsum_tui", "init"], cwd=root, env=env, check=True,
                       stdin=subprocess.DEVNULL, capture_output=True)
        sizes = {"baseline": 1.0, "small": small_mb, "large": big_mb}
        inputs, records = {}, {}
        for name, megabytes in sizes.items():
            inputs[name] = base / f"{name}.jsonl"
            records[name] = write_input(inputs[name], megabytes, seed=seed, distinct=distinct)
        runs: dict[str, Any] = {}
        for count in workers:
            for name in ("baseline", "small", "large"):
                out = base / "out.jsonl"
                args = ["deid", str(inputs[name]), "--out", str(out), "--strategy", strategy, "--workers", str(count)]
                runs[f"{name}_w{count}"] = {"input_mb": round(inputs[name].stat().st_size / 1e6, 1),
                                            "records": records[name], **peak_memory(args, env, root, interval)}
                out.unlink()
                print(json.dumps({"run": f"{name}_w{count}", **runs[f"{name}_w{count}"]}), file=sys.stderr)
    line: dict[str, Any] = {"bench": "deid", "mode": "memory", "strategy": strategy, "small_mb": small_mb,
                            "large_mb": big_mb, "distinct_records": distinct, "runs": runs}
    for count in workers:
        baseline, small, large = (runs[f"{name}_w{count}"] for name in ("baseline", "small", "large"))
        for key in ("peak_rss_mb", "peak_tree_pss_mb"):
            line[f"ratio_{key}_w{count}"] = round(large[key] / small[key], 3)  # large over small: 1.0 is flat
            line[f"above_baseline_{key}_w{count}"] = [round(small[key] - baseline[key], 1),
                                                      round(large[key] - baseline[key], 1)]
        line[f"large_peak_rss_mb_w{count}"] = large["peak_rss_mb"]
        line[f"large_peak_tree_pss_mb_w{count}"] = large["peak_tree_pss_mb"]
    return line
