"""What the CLI's start-up switches save on a small scan: the background import (preflight/warm.py)
and running the scan with Python's cyclic garbage collector off (preflight/cli.py).

Each is kept only if it saves at least 5% of a 1,000-row scan's wall time (issue 11). The scan is
`preflight scan TABLE -q --fail-on never` on a generated 1,000 x 21 table (the tabular benchmark's
generator), in fresh processes, with every default rule. The variants replace one switch each
before the CLI runs (no knob in the product): `no-warm` makes the background import a no-op, so
scikit-learn loads when its check first needs it; `gc-on` leaves the collector on. Variants are
interleaved run by run, so a change in the machine's load hits them alike; medians of --repeat.
Run: python benchmarks/startup.py [--repeat 15]. Always exits 0: a report, not a test.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import REPO, child_env, python, run_once

ROWS = 1_000
KEEP_IF = 0.05
VARIANTS = {
    "shipped": "",
    "no-warm": "import preflight.warm as w\nclass W:\n    def __init__(self, m): pass\n    def wait(self): pass\n"
               "w.Warmup = W\n",
    "gc-on": "import contextlib, preflight.cli as c\nc._without_cyclic_gc = contextlib.nullcontext\n",
}


def command(variant: str, table: Path) -> list[str]:
    code = (VARIANTS[variant] + "import sys\nfrom preflight.cli import main\n"
            f"sys.exit(main(['scan', {str(table)!r}, '-q', '--fail-on', 'never']))\n")
    return python(code)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    from tabular import generate

    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp) / "small.csv"
        import pyarrow.csv as pacsv

        pacsv.write_csv(generate(ROWS), table)
        env = child_env()
        times: dict[str, list[float]] = {v: [] for v in VARIANTS}
        for _ in range(args.repeat):
            for variant in VARIANTS:
                times[variant].append(run_once(command(variant, table), env, REPO).seconds)
    load = os.getloadavg()[0]
    shipped = statistics.median(times["shipped"])
    print(f"1,000-row scan, every default rule; median of {args.repeat} fresh processes each, interleaved "
          f"(load {load:.1f})")
    print(f"{'variant':<10}{'median s':>10}{'min s':>8}{'vs shipped':>12}  switch saves  verdict (keep if >= 5%)")
    for variant, runs in times.items():
        med = statistics.median(runs)
        line = f"{variant:<10}{med:10.3f}{min(runs):8.3f}{(med - shipped) / shipped:+11.1%}"
        if variant != "shipped":
            saved = (med - shipped) / med
            line += f"  {saved:11.1%}  {'keep' if saved >= KEEP_IF else 'drop'}"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
