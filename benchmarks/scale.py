"""How a table scan scales (issue 15): 1M and 5M rows, locally and on Dask.

The table is benchmarks/tabular.py's generator (21 columns, a 3-class `target`, planted copies),
written once as Parquet in row groups of 262,144 rows (one batch each: 4 partitions a million
rows) under benchmarks/data/ (gitignored). Every figure is a fresh process, timed spawn to exit,
peak RSS its largest process's (a Dask worker's, when that is the largest):
- local: `preflight scan` with the default engine; bytes/row = (peak 5M - peak 1M) / 4M rows;
- dask, 1 and 2 workers: `--engine dask` starting its own LocalCluster (its start-up is in the
  wall time), and what crossed processes: per-row arrays and hashes gathered to the client,
  pickled accumulators merged on the workers;
- pyarrow: a bare `pq.read_table` of the same file, and the per-row ratio of the issue's target,
  (scan 5M - scan 1M) / (read 5M - read 1M): fixed costs (interpreter, imports) cancel; the
  local scans and the reads are medians of at least RATIO_RUNS runs, the other rows of --repeat;
- local with every default rule (label-issues and the near-copy searches included);
- a 1,000-row scan with every rule (CSV): the fixed cost a pre-commit hook pays.
The other scans run in tabular.py's target scope (no label-issues, no near-duplicates, no near-copy
search in conflicting-labels), the scope of the issue's memory figures.

Run: python benchmarks/scale.py [--rows 1000000 5000000] [--repeat 1] [--scheduler ADDRESS]
With --scheduler, the Dask rows run on that cluster instead of a local one (its workers need
this preflight installed and the file at the same path, or pass --data-url with a URL of it).
Always exits 0: a report, not a test. On 2 cores two workers cannot be twice as fast as one.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import DATA, REPO, Measured, child_env, measure, python
from tabular import GENERATOR, MODEL_RULES, NO_NEAR, generate

ROW_GROUP = 262_144
# The per-row ratio's four figures are medians of at least this many runs: pyarrow's 5M read
# alone swings between 0.7 and 2 s from one run to the next (how fast the kernel hands it 1.5 GB).
RATIO_RUNS = 5

# A child that runs the CLI and writes what the Dask engine moved (engine.cluster.DaskEngine.moved).
_DASK_CHILD = """
import json, sys
import preflight.engine.cluster as cluster
from preflight.cli import main
original = cluster.DaskEngine.pass_one
def recorded(self, *args, **kwargs):
    result = original(self, *args, **kwargs)
    with open({moved!r}, "w") as fh:
        json.dump(result.moved, fh)
    return result
cluster.DaskEngine.pass_one = recorded
sys.exit(main({argv!r}))
"""


def parquet(rows: int) -> Path:
    import pyarrow.parquet as pq

    path = DATA / f"scale_{GENERATOR}_{rows}.parquet"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        print(f"generating {rows:,} rows under {DATA} ...", file=sys.stderr)
        tmp = path.with_suffix(".tmp")
        pq.write_table(generate(rows), tmp, row_group_size=ROW_GROUP)
        tmp.replace(path)
    return path


def small_csv(folder: Path) -> Path:
    import pyarrow.csv as pacsv

    path = folder / "small-data" / "small.csv"  # its own folder: -o may not go into a scanned file's folder
    path.parent.mkdir()
    pacsv.write_csv(generate(1_000), path)
    return path


def scan_argv(path: Path | str, out: Path, config: Path, extra: list[str]) -> list[str]:
    return ["scan", str(path), "--label", "target", "-q", "-o", str(out), "--ignore", MODEL_RULES,
            "--config", str(config), *extra]


def local(path: Path, out: Path, config: Path, repeat: int) -> Measured:
    cmd = [sys.executable, "-m", "preflight", *scan_argv(path, out, config, [])]
    return measure(cmd, repeat, env=child_env(), ok=(0, 1), cwd=REPO)


def on_dask(path: Path | str, out: Path, config: Path, repeat: int,
            scheduler: str) -> tuple[Measured, dict[str, int]]:
    """config sets `workers`: the local cluster's processes (ignored with a scheduler)."""
    moved = out.with_name(out.name + ".moved.json")  # beside -o: pass 1 ends before the scan writes it
    extra = ["--engine", "dask"] + (["--scheduler", scheduler] if scheduler else [])
    code = _DASK_CHILD.format(moved=str(moved), argv=scan_argv(path, out, config, extra))
    result = measure(python(code), repeat, env=child_env(), ok=(0, 1), cwd=REPO)
    return result, json.loads(moved.read_text())


def bare_read(path: Path, repeat: int) -> Measured:
    return measure(python(f"import pyarrow.parquet as pq\nt = pq.read_table({str(path)!r})"), repeat)


def fixed(path: Path, out: Path, repeat: int) -> Measured:
    cmd = [sys.executable, "-m", "preflight", "scan", str(path), "--label", "target", "-q", "-o", str(out)]
    return measure(cmd, repeat, env=child_env(), ok=(0, 1), cwd=REPO)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs=2, default=[1_000_000, 5_000_000])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--scheduler", default="", help="a Dask scheduler address (default: local clusters)")
    parser.add_argument("--data-url", default="", help="with --scheduler: a URL prefix the workers read the "
                        "files from (the file names are appended)")
    args = parser.parse_args()
    small, large = args.rows
    print(f"load before: {os.getloadavg()[0]:.2f} (1-min average, {os.cpu_count()} cores)")
    rows_out: list[tuple[str, ...]] = []
    scans: dict[int, Measured] = {}
    reads: dict[int, Measured] = {}
    every: dict[int, Measured] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for n in (small, large):
            path = parquet(n)
            where = f"{args.data_url.rstrip('/')}/{path.name}" if args.data_url else path
            config = folder / f"local{n}.toml"
            config.write_text(NO_NEAR)
            scans[n] = local(path, folder / f"local{n}", config, max(args.repeat, RATIO_RUNS))
            reads[n] = bare_read(path, max(args.repeat, RATIO_RUNS))
            rows_out.append((f"{n:,}", "local", f"{scans[n].seconds:.1f}", f"{scans[n].peak_mb:,.0f}",
                             f"{scans[n].peak_mb * 2**20 / n:,.0f}", "-", "-"))
            every[n] = fixed(path, folder / f"every{n}", args.repeat)
            rows_out.append((f"{n:,}", "local, every default rule", f"{every[n].seconds:.1f}",
                             f"{every[n].peak_mb:,.0f}", f"{every[n].peak_mb * 2**20 / n:,.0f}", "-", "-"))
            for workers in (1, 2):
                config = folder / f"dask{n}_{workers}.toml"
                config.write_text(NO_NEAR.replace("[rules.conflicting-labels]", f"workers = {workers}\n"
                                                  "[rules.conflicting-labels]", 1))
                run, moved = on_dask(where, folder / f"dask{n}_{workers}", config, args.repeat, args.scheduler)
                label = f"dask, {workers} worker{'s' * (workers > 1)}"
                rows_out.append((f"{n:,}", label, f"{run.seconds:.1f}", f"{run.peak_mb:,.0f}",
                                 f"{run.peak_mb * 2**20 / n:,.0f}", f"{moved.get('rows', 0) / 2**20:,.0f}",
                                 f"{moved.get('accumulators', 0) / 2**20:,.1f}"))
            rows_out.append((f"{n:,}", "pyarrow read", f"{reads[n].seconds:.2f}", f"{reads[n].peak_mb:,.0f}",
                             f"{reads[n].peak_mb * 2**20 / n:,.0f}", "-", "-"))
        one_k = fixed(small_csv(folder), folder / "small", args.repeat)
    print("| rows | run | wall s | peak RSS MB | RSS bytes/row | rows to client MB | accumulators MB |")
    print("|---|---|---|---|---|---|---|")
    for row in rows_out:
        print("| " + " | ".join(row) + " |")
    slope = (scans[large].peak_mb - scans[small].peak_mb) * 2**20 / (large - small)
    scan_delta = scans[large].seconds - scans[small].seconds
    read_delta = reads[large].seconds - reads[small].seconds
    every_slope = (every[large].peak_mb - every[small].peak_mb) * 2**20 / (large - small)
    print(f"\nlocal peak RSS slope: {slope:,.0f} bytes/row; every default rule: {every_slope:,.0f} bytes/row "
          "(issue's goal: <= 32)")
    print(f"{large:,} rows, every default rule: {every[large].peak_mb:,.0f} MB peak (goal: under 2,500 MB)")
    print(f"per-row ratio to pyarrow's read: ({scans[large].seconds:.1f} - {scans[small].seconds:.1f}) / "
          f"({reads[large].seconds:.2f} - {reads[small].seconds:.2f}) = {scan_delta / read_delta:.1f}x (target <= 4x; "
          f"medians of {len(scans[large].runs)} runs; pyarrow's {large:,}-row read ranged "
          f"{min(r.seconds for r in reads[large].runs):.2f}-{max(r.seconds for r in reads[large].runs):.2f} s)")
    print(f"1,000-row scan, every rule (CSV): {one_k.seconds:.2f} s wall")
    print(f"load after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
