"""How a table with free text scales: peak RSS and wall time of a scan at two sizes.

The table: a `review` of 10-30 words drawn Zipf-like from 5,000 (free text to preflight), a
`stars` integer, a log-normal `price` and a 3-class label `y`, written once as Parquet in row
groups of 262,144 rows under benchmarks/data/ (gitignored). Each size is scanned with every
default rule in a fresh process (median of --repeat runs), and the bytes a row the scan's peak
grows by between the two sizes is printed beside the tabular table's target of issue 15 (at
most 32: benchmarks/scale.py), which free text does not meet yet (docs/scale.md, "What remains").

Run: python benchmarks/text_scale.py [--rows 250000 1000000] [--repeat 1]
Always exits 0: a report, not a test.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import DATA, measure

ROW_GROUP = 262_144
TARGET = 32  # bytes a row: issue 15's slope goal for tables


def table(rows: int) -> Path:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = DATA / f"text_scale_v1_{rows}.parquet"
    if path.exists():
        return path
    rng = np.random.default_rng(0)
    words = np.array([f"w{i}" for i in range(5000)])
    lengths = rng.integers(10, 31, rows)
    flat = words[rng.zipf(1.3, int(lengths.sum())) % 5000]
    starts = np.r_[0, np.cumsum(lengths)[:-1]]
    reviews = [" ".join(flat[s:s + n]) for s, n in zip(starts.tolist(), lengths.tolist())]
    data = pa.table({"review": reviews, "stars": rng.integers(1, 6, rows), "price": rng.lognormal(3, 1, rows),
                     "y": np.array(["neg", "neu", "pos"])[rng.integers(0, 3, rows)]})
    DATA.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    pq.write_table(data, tmp, row_group_size=ROW_GROUP)
    tmp.replace(path)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs=2, default=[250_000, 1_000_000])
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.rows:
            runs[n] = measure([sys.executable, "-m", "preflight", "scan", str(table(n)), "--label", "y", "-q",
                               "-o", str(Path(tmp) / f"out{n}"), "--fail-on", "never"], args.repeat)
    print(f"{'rows':>12}{'wall s':>9}{'peak MB':>10}")
    for n, run in runs.items():
        print(f"{n:>12,}{run.seconds:>9.1f}{run.peak_mb:>10,.0f}")
    small, large = args.rows
    slope = (runs[large].peak_mb - runs[small].peak_mb) * 2**20 / (large - small)
    print(f"\npeak RSS slope: {slope:,.0f} bytes/row (tables' target: <= {TARGET})")
    print("command: python -m preflight scan FILE --label y -q -o TMP --fail-on never")


if __name__ == "__main__":
    main()
