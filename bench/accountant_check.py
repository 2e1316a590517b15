"""Check: the PRV accountant's epsilon (what MedSum records) against Google's dp-accounting
(PLD accountant, fine discretization) on DP-SGD settings like MedSum's runs.

dp-accounting is not a MedSum dependency; install it somewhere apart first, e.g.
``.venv/bin/pip install --target /tmp/dpacc dp-accounting``, then run
``.venv/bin/python bench/accountant_check.py --dp-accounting /tmp/dpacc``. Prints one JSON line:
each setting's two epsilons and the largest absolute difference (the target is about 0.01).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from privacy.accounting import epsilon_for

#: (noise multiplier, sample rate, steps, delta)
SETTINGS = ((1.0, 0.01, 1000, 1e-5), (0.7, 0.05, 300, 1e-5), (1.3, 1 / 30, 60, 8e-4), (0.8, 0.13, 40, 2e-4))


def main() -> None:
    """Compare both accountants on :data:`SETTINGS` and print the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dp-accounting", type=Path, help="where dp-accounting was installed (--target)")
    args = parser.parse_args()
    if args.dp_accounting:
        sys.path.insert(0, str(args.dp_accounting))
    from dp_accounting import dp_event
    from dp_accounting.pld import pld_privacy_accountant

    rows = []
    for sigma, q, steps, delta in SETTINGS:
        pld = pld_privacy_accountant.PLDAccountant(value_discretization_interval=1e-4)
        pld.compose(dp_event.PoissonSampledDpEvent(q, dp_event.GaussianDpEvent(sigma)), steps)
        rows.append({"noise": sigma, "sample_rate": round(q, 5), "steps": steps, "delta": delta,
                     "prv": round(epsilon_for([(sigma, q, steps)], delta), 4),
                     "dp_accounting_pld": round(pld.get_epsilon(delta), 4)})
    worst = max(abs(r["prv"] - r["dp_accounting_pld"]) for r in rows)
    print(json.dumps({"bench": "accountant-check", "settings": rows, "max_abs_diff": round(worst, 4)}))


if __name__ == "__main__":
    main()
