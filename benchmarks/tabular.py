"""Scan speed against a bare pyarrow read, on a generated 1,000,000 x 21 table (CSV and Parquet).

Target (issue): the full `preflight scan` within 4x of pyarrow alone reading the same file.
Both sides run as fresh processes, timed spawn to exit (median of --repeat runs), so the
interpreter and import costs are in both; those baselines are printed on their own too.
Peak memory is each child's max RSS. The scan is also timed without outliers' IsolationForest
(`no-sklearn`), the only scikit-learn use in the target's scope: its import alone is a fixed cost
printed with the others, so the two columns show what the detector costs. The table is generated once with
np.random.default_rng(0) and cached under benchmarks/data/ (gitignored).
Run: python benchmarks/tabular.py [--rows N] [--repeat 3]. Always exits 0: a report, not a test.

--layout split: what split awareness costs (issue 14: at most 10%). The same table is written as
two files twice, its first 70% and last 30% of rows: once as train.{csv,parquet} and
test.{csv,parquet} (splits found: stats fitted on train, split-leakage and distribution-shift
run), once as part-a and part-b (no splits: the scan as before). Both are scanned in the target's
scope (and split-leakage's near = false, as conflicting-labels'), and the ratio printed.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import DATA, REPO, Measured, child_env, measure, python

ROWS = 1_000_000
TARGET_RATIO = 4.0
DUPLICATES = 300
GENERATOR = "v1"  # bump when the generated table changes, so stale caches are not reused
READERS = {
    "csv": "import pyarrow.csv as m; read = lambda p: m.read_csv(p)",
    "parquet": "import pyarrow.parquet as m; read = lambda p: m.read_table(p)",
}


def generate(rows: int, seed: int = 0):
    """20 features of mixed kinds plus an imbalanced 3-class `target`; DUPLICATES planted copies."""
    import pyarrow as pa
    import pyarrow.compute as pc

    rng = np.random.default_rng(seed)
    n = rows

    def with_nulls(values: np.ndarray, fraction: float) -> pa.Array:
        return pa.array(values, mask=rng.random(n) < fraction)

    def as_text(values: np.ndarray, token: str, fraction: float) -> pa.Array:
        """Numbers written as text, a `fraction` of them replaced by a placeholder token."""
        text = pc.cast(pa.array(values), pa.string())
        return pc.if_else(pa.array(rng.random(n) < fraction), token, text)

    income = np.round(rng.lognormal(10.8, 1.0, n), 2)
    rich = rng.random(n) < 0.001
    income[rich] = np.round(np.minimum(50_000 * (1 + rng.pareto(1.1, int(rich.sum()))), 1.4e8), 2)
    income[rng.random(n) < 0.03] = 0.0
    income[rng.integers(0, n)] = 1.4e8
    category = np.array(["retail", "online", "partner", "wholesale", "other"])[
        rng.choice(5, n, p=[0.45, 0.30, 0.15, 0.07, 0.03])]
    region = np.array([f"region-{i:02d}" for i in range(40)])[rng.zipf(1.6, n) % 40]
    device = np.array(["desktop", "mobile", "tablet"])[rng.choice(3, n, p=[0.5, 0.4, 0.1])]
    sensors = rng.normal(0.0, 1.0, (5, n)) * np.array([[1.0], [2.5], [0.3], [10.0], [1.0]]) + \
        np.array([[0.0], [5.0], [-1.0], [100.0], [0.0]])
    cols: dict[str, object] = {
        "age": rng.integers(18, 91, n),
        "height_cm": np.round(rng.normal(170.0, 10.0, n), 1),
        "weight_kg": np.round(rng.normal(72.0, 15.0, n), 1),
        "income": income,
        "balance": with_nulls(np.round(rng.normal(1_500.0, 4_000.0, n), 2), 0.01),
        "visits": rng.poisson(3.0, n),
        "clicks": rng.negative_binomial(2, 0.05, n),
        "rating": as_text(np.round(rng.uniform(1.0, 5.0, n), 1), "?", 0.01),
        "category": category,
        "region": region,
        "is_member": (rng.random(n) < 0.35).astype(np.int64),
        **{f"sensor_{i}": np.round(sensors[i], 4) for i in range(5)},
        "ratio": np.round(rng.random(n), 6),
        "temperature": as_text(np.round(rng.normal(21.0, 3.0, n), 2), "NA", 0.005),
        "device": device,
        "tenure_days": rng.integers(0, 3651, n),
    }
    logit = 0.9 * sensors[0] - 0.6 * (sensors[2] + 1.0) / 0.3 + 0.4 * (category == "online") + \
        rng.normal(0.0, 1.0, n)
    cols["target"] = np.digitize(logit, np.quantile(logit, [0.70, 0.92]))  # about 70% / 22% / 8%
    table = pa.table(cols)
    if n > 2 * DUPLICATES:
        picked = rng.choice(n, 2 * DUPLICATES, replace=False)
        src, dst = picked[:DUPLICATES], picked[DUPLICATES:]
        take = np.arange(n)
        take[dst] = src
        table = table.take(pa.array(take))
    assert table.num_columns == 21
    return table


def dataset(rows: int, regenerate: bool = False) -> dict[str, Path]:
    """The cached CSV and Parquet files for `rows` rows, generated when missing."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    paths = {fmt: DATA / f"tabular_{GENERATOR}_{rows}.{fmt}" for fmt in READERS}
    if regenerate or not all(p.exists() for p in paths.values()):
        DATA.mkdir(parents=True, exist_ok=True)
        print(f"generating {rows:,} rows x 21 columns under {DATA} ...", file=sys.stderr)
        table = generate(rows)
        for fmt, path in paths.items():
            tmp = path.with_suffix(path.suffix + ".tmp")
            if fmt == "csv":
                pacsv.write_csv(table, tmp, pacsv.WriteOptions(quoting_style="none"))  # unquoted, like pandas
            else:
                pq.write_table(table, tmp)
            tmp.replace(path)
    return paths


def bare_read(fmt: str, path: Path, repeat: int) -> Measured:
    code = f"{READERS[fmt]}\nt = read({str(path)!r})\nassert t.num_rows >= 0"
    return measure(python(code), repeat)


# The target covers the tabular pipeline's own rules; the model-based work of the
# label-errors issue (cross-validated models, the near-copy search, which conflicting-labels
# also uses) is timed separately, in the "all rules" columns.
MODEL_RULES = "label-issues,near-duplicates"
NO_NEAR = "[rules.conflicting-labels]\nnear = false\n[rules.split-leakage]\nnear = false\n"


NO_JOINT = "[rules.outliers]\nmultivariate = false\n"


def scan(path: Path, repeat: int, out: Path, root: Path = REPO, *, models: bool = False,
         joint: bool = True) -> Measured:
    """joint=False: outliers without its IsolationForest, the scan's only scikit-learn import."""
    cmd = [sys.executable, "-m", "preflight", "scan", str(path), "--label", "target", "-q", "-o", str(out)]
    if not models:
        config = out / "issue2.toml"
        config.write_text(NO_NEAR + ("" if joint else NO_JOINT))
        cmd += ["--ignore", MODEL_RULES, "--config", str(config)]
    return measure(cmd, repeat, env=child_env(root), ok=(0, 1), cwd=root)  # 1: findings (the planted duplicates)


FIXED_ROWS = 1_000  # a scan this small is all start-up: interpreter, imports, rule pack


def fixed_costs(repeat: int, root: Path) -> list[tuple[str, Measured]]:
    """What a run costs before any data: bare interpreter, pyarrow import, a tiny scan."""
    tiny = dataset(FIXED_ROWS)["csv"]
    with tempfile.TemporaryDirectory(prefix="preflight-bench-") as out:
        return [("python -c pass", measure(python("pass"), repeat)),
                ("import pyarrow.csv, pyarrow.parquet", measure(python(READERS["csv"] + "\n" + READERS["parquet"]),
                                                                repeat)),
                # outliers' IsolationForest: sklearn.base pulls in scipy.stats and pandas; every scan pays it
                ("import sklearn.ensemble", measure(python("import sklearn.ensemble"), repeat)),
                (f"preflight scan of {FIXED_ROWS:,} rows", scan(tiny, repeat, Path(out), root))]


def split_layouts(rows: int, fmt: str, regenerate: bool = False) -> dict[str, Path]:
    """The cached table as two files, named as splits (train/test) and not (part-a/part-b)."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    dataset(rows, regenerate)
    cut = int(rows * 0.7)
    out = {}
    for layout, names in (("split", ("train", "test")), ("unsplit", ("part-a", "part-b"))):
        folder = DATA / f"tabular_{GENERATOR}_{rows}_{layout}_{fmt}"
        out[layout] = folder
        if folder.exists() and not regenerate:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        table = pq.read_table(dataset(rows)["parquet"])
        for name, part in zip(names, (table.slice(0, cut), table.slice(cut))):
            path = folder / f"{name}.{fmt}"
            if fmt == "csv":
                pacsv.write_csv(part, path, pacsv.WriteOptions(quoting_style="none"))
            else:
                pq.write_table(part, path)
    return out


def split_overhead(args: argparse.Namespace, formats: list[str]) -> int:
    print(f"split awareness: {args.rows:,} rows as train ({70}%) + test vs the same two files unnamed; "
          f"median of {args.repeat} fresh processes; target: at most +10%\n")
    print(f"{'format':<9}{'no splits s':>13}{'train/test s':>14}{'overhead':>10}{'CPU s':>8}{'CPU s':>8}"
          f"{'CPU overhead':>14}{'peak MB':>10}{'peak MB':>10}")
    for fmt in formats:
        folders = split_layouts(args.rows, fmt, args.regenerate)
        runs: dict[str, list] = {"unsplit": [], "split": []}
        with tempfile.TemporaryDirectory(prefix="preflight-bench-") as out:
            for _ in range(args.repeat):  # alternated, so a change of load hits both alike
                for layout in runs:
                    runs[layout] += scan(folders[layout], 1, Path(out), args.root).runs
        plain, split = Measured(tuple(runs["unsplit"])), Measured(tuple(runs["split"]))
        overhead = split.seconds / plain.seconds - 1
        print(f"{fmt:<9}{plain.seconds:13.2f}{split.seconds:14.2f}{100 * overhead:9.1f}%{plain.cpu:8.2f}"
              f"{split.cpu:8.2f}{100 * (split.cpu / plain.cpu - 1):13.1f}%{plain.peak_mb:10.0f}{split.peak_mb:10.0f}")
        print(f"{'':<9}runs: no splits {[round(r.seconds, 2) for r in plain.runs]}, "
              f"train/test {[round(r.seconds, 2) for r in split.runs]}")
    print(f"\nscan = python -m preflight scan FOLDER --label target -q -o TMP --ignore {MODEL_RULES}"
          " with conflicting-labels and split-leakage near = false; load average before: "
          f"{os.getloadavg()[0]:.1f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS, help=f"table rows (default {ROWS:,})")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; medians are quoted")
    parser.add_argument("--formats", default="csv,parquet", help="comma-separated: csv,parquet")
    parser.add_argument("--regenerate", action="store_true", help="rewrite the cached data files")
    parser.add_argument("--root", type=Path, default=REPO,
                        help="checkout whose preflight package is scanned (e.g. a prototype copy)")
    parser.add_argument("--layout", choices=("one", "split"), default="one",
                        help="one: the table as one file (default); split: what train/test awareness costs")
    args = parser.parse_args(argv)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    if args.layout == "split":
        return split_overhead(args, formats)
    paths = dataset(args.rows, args.regenerate)

    print(f"preflight scan vs bare pyarrow read: {args.rows:,} rows x 21 columns, median of {args.repeat} "
          f"runs, {os.cpu_count()} CPUs, python {sys.version.split()[0]}")
    print(f"preflight package: {args.root / 'preflight'}")
    print("each cell is a fresh process, spawn to exit; peak = that process's max RSS\n")
    print(f"{'fixed cost':<40}{'s':>8}{'peak MB':>10}")
    try:
        for name, m in fixed_costs(args.repeat, args.root):
            print(f"{name:<40}{m.seconds:8.2f}{m.peak_mb:10.0f}")
    except RuntimeError as exc:
        print(f"  failed: {exc}")
    print()
    head = (f"{'format':<9}{'file MB':>9}{'read s':>9}{'scan s':>9}{'ratio':>8}{'target':>8}{'':>6}"
            f"{'read peak MB':>14}{'scan peak MB':>14}{'no-sklearn s':>14}{'ratio':>8}"
            f"{'all rules s':>13}{'ratio':>8}{'peak MB':>9}")
    print(head)
    print("-" * len(head))
    for fmt in formats:
        path = paths[fmt]
        size = path.stat().st_size / 2**20
        try:
            read = bare_read(fmt, path, args.repeat)
            with tempfile.TemporaryDirectory(prefix="preflight-bench-") as out:
                full = scan(path, args.repeat, Path(out), args.root)
                bare = scan(path, args.repeat, Path(out), args.root, joint=False)
                every = scan(path, args.repeat, Path(out), args.root, models=True)
        except RuntimeError as exc:
            print(f"{fmt:<9}{size:9.0f}  failed: {exc}")
            continue
        ratio = full.seconds / read.seconds
        verdict = "pass" if ratio <= TARGET_RATIO else "FAIL"
        print(f"{fmt:<9}{size:9.0f}{read.seconds:9.2f}{full.seconds:9.2f}{ratio:7.1f}x{TARGET_RATIO:7.0f}x"
              f"{verdict:>6}{read.peak_mb:14.0f}{full.peak_mb:14.0f}{bare.seconds:14.2f}"
              f"{bare.seconds / read.seconds:7.1f}x{every.seconds:13.2f}"
              f"{every.seconds / read.seconds:7.1f}x{every.peak_mb:9.0f}")
    print("\nread = python -c 'pyarrow.csv.read_csv(path)' / 'pyarrow.parquet.read_table(path)';"
          f"\nscan = python -m preflight scan PATH --label target -q -o TMP --ignore {MODEL_RULES}"
          f" with conflicting-labels near = false (the target's scope), package from {args.root};"
          "\nno-sklearn = the same scan with outliers' multivariate = false: no IsolationForest, so no"
          " scikit-learn import (see the fixed costs above);"
          "\nall rules = the same without --ignore (label-issues: models fitted on a stratified 20,000-row "
          "sample, every row scored).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
