"""Near copies above sample_rows rows: every planted pair found, with or without a row in the sample.

benchmarks/scale.py's 1M-row table (21 columns, 65 model columns after the transforms) with
PAIRS near-copy pairs planted: PAIRS of its rows copied with sensor_0 moved by 0.001 (a
thousandth of its spread), all rows shuffled. `preflight scan --select near-duplicates` finds
them against the row sample's index (learn/near_duplicates.NearIndex: a pair with a row in the
sample) and, among the rows outside it, by the two grids of cells (NearGrid). Printed side by
side: the planted pairs found, and those the index alone reaches (a row in the sample: what the
scan found before the grids); the scan's wall time and peak RSS (median of --repeat runs); the
rows that shared a cell; and how often both grids split a pair one radius or 0.3 radii apart in
a random direction over the sample's own rows, on the grids' GRID_DIMS principal axes and, for
reference, on all the model columns.

Run: python benchmarks/near_copies.py [--rows 1000000] [--repeat 3]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import measure
from scale import parquet

PAIRS = 2_000
SHIFT = 0.001  # added to sensor_0 (spread 1): a copy with noise


def planted(source: Path, folder: Path, seed: int = 1):
    """The table with PAIRS near copies appended and every row shuffled; (path, pairs as rows)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(source)
    rng = np.random.default_rng(seed)
    n = table.num_rows
    src = rng.choice(n, PAIRS, replace=False)
    extra = table.take(pa.array(src))
    at = extra.schema.get_field_index("sensor_0")
    extra = extra.set_column(at, "sensor_0", pc.add(extra["sensor_0"], SHIFT))
    perm = rng.permutation(n + PAIRS)
    out = folder / "data" / "near.parquet"  # its own folder: -o may not go into the scanned one
    out.parent.mkdir()
    pq.write_table(pa.concat_tables([table, extra]).take(pa.array(perm)), out, row_group_size=262_144)
    where = np.empty_like(perm)
    where[perm] = np.arange(perm.size)
    return out, np.stack([where[src], where[n + np.arange(PAIRS)]], axis=1)


def profile_of(path: Path):
    from preflight.decide.config import load_config
    from preflight.profile.tabular import build_profile
    from preflight.progress import Progress
    from preflight.read.tabular import open_tabular

    return build_profile(open_tabular(path), label="target", task="auto",
                         settings=dict(load_config(path, overrides={}).settings), progress=Progress(False))


def split_rates(profile) -> dict[str, dict[str, float]]:
    """Per grid (the scan's, on the principal axes; one on every model column), the share of the
    row sample's rows that both grids part from a copy moved 0.3 and 1 radius in a random direction."""
    import dataclasses

    import numpy as np

    from preflight.learn.near_duplicates import NearGrid, near_index

    view, _ = profile.sampled
    index = near_index(view)
    x = view.matrix[0]
    scan = NearGrid.of(index, 0)
    d = x.shape[1]
    every = dataclasses.replace(scan, basis=None, offset=np.resize(scan.offset, d), mix=np.resize(scan.mix, d))
    rng = np.random.default_rng(0)
    step = rng.normal(size=x.shape)
    step /= np.linalg.norm(step, axis=1, keepdims=True)
    out = {}
    axes = scan.basis.shape[1] if scan.basis is not None else d
    for name, grid in ((f"{axes} principal axes", scan), (f"all {d} columns", every)):
        base = grid.keys(x)
        out[name] = {f"{f:g} radius": float((~(base == grid.keys(x + f * index.radius * step)).any(axis=1)).mean())
                     for f in (0.3, 1.0)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    import numpy as np

    with tempfile.TemporaryDirectory() as tmp:
        path, pairs = planted(parquet(args.rows), Path(tmp))
        out = Path(tmp) / "out"
        run = measure([sys.executable, "-m", "preflight", "scan", str(path), "--label", "target", "-q", "-o",
                       str(out), "--select", "near-duplicates", "--fail-on", "never"], args.repeat)
        finding = json.loads((out / "findings.json").read_text())["findings"][0]
        rows = set(finding["rows"])
        found = sum(int(a) in rows and int(b) in rows for a, b in pairs)
        profile = profile_of(path)
        kept = np.zeros(profile.rows, bool)
        kept[profile.kept] = True
        reach = int((kept[pairs[:, 0]] | kept[pairs[:, 1]]).sum())
        rates = split_rates(profile)
    details = finding["details"]
    print(f"{args.rows + PAIRS:,} rows, {PAIRS:,} planted near-copy pairs, sample_rows 200,000\n")
    print(f"{'':<44}{'pairs found':>12}")
    print(f"{'the scan (index + grids)':<44}{found:>12,}")
    print(f"{'the index alone (a row in the sample)':<44}{reach:>12,}")
    print(f"\nscan: {run.seconds:.2f} s wall, {run.peak_mb:,.0f} MB peak (median of {args.repeat}); "
          f"rows sharing a grid cell: {details.get('grid_rows_compared'):,}"
          f"{' (capped)' if details.get('grid_rows_capped') else ''}")
    print("\nshare of pairs both grids split, copies of the sample's rows moved in a random direction:")
    for name, shares in rates.items():
        print(f"  {name:<22}" + "".join(f"{k}: {v:.4f}   " for k, v in shares.items()))
    print("\ncommand: python -m preflight scan FILE --label target -q -o TMP --select near-duplicates"
          " --fail-on never")


if __name__ == "__main__":
    main()
