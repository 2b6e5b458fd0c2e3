"""One held-out split against the training split: an effect size that does not grow with n, and
a test that does, for each feature (shared by distribution-shift and the report).

A shift is news only when both pass their thresholds: the effect (how far apart, in units that
stay put as rows are added) and the evidence (a p-value, Bonferroni-corrected over the features
of the pair), so that a 1% wobble on a million rows and a large-looking gap on 30 rows both stay
quiet. Measures:
- numbers: the Wasserstein-1 distance in units of the training split's robust sigma (IQR / 1.349,
  else its std); evidence from Welch's t-test on the exact moments and a two-sample KS test on the
  content-keyed samples (at most 20,000 values a split), the smaller p doubled. PSI on training
  deciles is reported alongside.
- categories: the Jensen-Shannon distance (base 2, in [0, 1]) between the category shares and a
  chi-square test on the counts, categories expected fewer than 5 times in the held-out split
  (and those train never saw) pooled in one bin. PSI reported alongside.
- categories train never saw: their share of the held-out rows; evidence: the chance that all
  the rows of such a category landed outside train under a random split (hypergeometric).
- missing cells: the change in the missing rate; Fisher's exact test (chi-square when large).
Everything is computed from each split's accumulators (counts, moments, samples): profile/parts.py.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

EPS = 1e-4  # PSI smoothing: an empty bin costs a finite amount
MAX_SAMPLE = 20_000  # values per split a numeric comparison reads (a stride over the sample)
MIN_EXPECTED = 5  # categories expected fewer times in the held-out split share one bin


@dataclass(frozen=True)
class Numbers:
    """One split's numbers of one feature."""

    n: int              # finite values
    mean: float
    std: float          # population std
    sample: np.ndarray  # finite values: all of them, or the split's content-keyed sample
    rows: int
    missing: int


@dataclass(frozen=True)
class Counts:
    """One split's category counts of one feature (names shared by every split)."""

    names: tuple[str, ...]
    counts: np.ndarray
    rows: int
    missing: int


@dataclass(frozen=True)
class Feature:
    """A column (or image signal, or the label) as every split has it: numbers or counts."""

    name: str
    numbers: tuple[Numbers, ...] | None = None
    counts: tuple[Counts, ...] | None = None
    label: bool = False
    onehot: bool = False  # the fitted transform one-hot encodes it: unseen categories become all-zeros


@dataclass(frozen=True)
class Shift:
    """One measured difference between a held-out split and train."""

    feature: str
    aspect: str          # distribution | unseen | missing | prior | absent
    measure: str         # what `effect` is
    effect: float
    p: float
    train: dict[str, Any]
    held: dict[str, Any]
    cause: str
    note: str = ""       # the held-out vs train summary, in words
    extra: dict[str, Any] | None = None


def _sorted(x: Numbers) -> np.ndarray:
    """The sample sorted, thinned to at most MAX_SAMPLE values by a stride over its row order
    (the sample is content-keyed, so every stride-th value is as random as the sample)."""
    step = -(-x.sample.size // MAX_SAMPLE)
    return np.sort(x.sample[::step])


def _quantile(s: np.ndarray, q: float) -> float:
    """np.quantile's linear interpolation, on an already sorted array."""
    at = q * (s.size - 1)
    lo = int(np.floor(at))
    hi = min(lo + 1, s.size - 1)
    return float(s[lo] + (s[hi] - s[lo]) * (at - lo))


def _scale_of(s: np.ndarray, std: float) -> float:
    iqr = _quantile(s, 0.75) - _quantile(s, 0.25) if s.size else 0.0
    return iqr / 1.349 if iqr > 0 else float(std)


def _distances(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(Wasserstein-1, KS statistic) of two sorted samples: both from the two step functions."""
    grid = np.concatenate([a, b])
    grid.sort(kind="mergesort")
    fa = np.searchsorted(a, grid, side="right") / a.size
    fb = np.searchsorted(b, grid, side="right") / b.size
    gap = np.abs(fa - fb)
    return float(np.sum(gap[:-1] * np.diff(grid))), float(gap.max())


def numeric_shift(name: str, train: Numbers, held: Numbers, held_name: str) -> Shift | None:
    """Wasserstein / robust sigma, with Welch's t and KS as evidence; None when either side is empty."""
    from scipy import stats

    if train.n == 0 or held.n == 0 or held.sample.size == 0 or train.sample.size == 0:
        return None
    a, b = _sorted(train), _sorted(held)
    scale = _scale_of(a, train.std)
    distance, ks = _distances(a, b)
    if scale > 0:
        effect = distance / scale
    else:  # constant in train: any other value in held-out is as far as it gets
        effect = 0.0 if distance == 0 else math.inf
    p_t = _welch(train, held)
    if a.size * b.size <= 10_000:
        p_ks = float(stats.ks_2samp(a, b, method="exact").pvalue)
    else:  # the limiting Kolmogorov distribution (ks_2samp's "asymp" up to its finite-n correction)
        en = a.size * b.size / (a.size + b.size)
        p_ks = float(min(1.0, stats.kstwobign.sf(ks * math.sqrt(en))))
    p = min(1.0, 2.0 * min(p_t, p_ks))
    t = {"n": train.n, "mean": train.mean, "std": train.std, "median": _quantile(a, 0.5)}
    h = {"n": held.n, "mean": held.mean, "std": held.std, "median": _quantile(b, 0.5)}
    sd = train.std if train.std > 0 else scale
    moved = f" ({(held.mean - train.mean) / sd:+.1f} train sd)" if sd > 0 else ""
    note = (f"{held_name} mean {_g(held.mean)} vs train {_g(train.mean)}{moved}, median {_g(h['median'])} vs "
            f"{_g(t['median'])}, sd {_g(held.std)} vs {_g(train.std)}")
    return Shift(name, "distribution", "wasserstein / train robust sigma", effect, p, t, h,
                 _numeric_cause(a, b, scale, _scale_of(b, held.std)), note,
                 {"psi": _psi_numeric(a, b), "p_welch": p_t, "p_ks": p_ks})


def _welch(a: Numbers, b: Numbers) -> float:
    from scipy import stats

    if a.n < 2 or b.n < 2:
        return 1.0
    sa, sb = a.std * math.sqrt(a.n / (a.n - 1)), b.std * math.sqrt(b.n / (b.n - 1))
    if sa == 0 and sb == 0:
        return 1.0 if a.mean == b.mean else 0.0
    return float(stats.ttest_ind_from_stats(a.mean, sa, a.n, b.mean, sb, b.n, equal_var=False).pvalue)


def _psi_numeric(train: np.ndarray, held: np.ndarray) -> float:
    edges = np.unique([_quantile(train, q) for q in np.linspace(0.1, 0.9, 9)])
    t = np.diff(np.searchsorted(train, edges, side="right"), prepend=0, append=train.size) / train.size
    h = np.diff(np.searchsorted(held, edges, side="right"), prepend=0, append=held.size) / held.size
    return _psi(t, h)


def _psi(t: np.ndarray, h: np.ndarray) -> float:
    return float(np.sum((h - t) * np.log((h + EPS) / (t + EPS))))


def _numeric_cause(a: np.ndarray, b: np.ndarray, scale: float, held_scale: float) -> str:
    """A likely cause, from the shape of the difference (a guess the message calls one)."""
    tm, hm = _quantile(a, 0.5), _quantile(b, 0.5)
    ratios = [held_scale / scale] if scale > 0 and held_scale > 0 else []
    if tm * hm > 0 and abs(tm) > 0.1 * scale and abs(hm) > 0.1 * held_scale:  # medians clear of zero
        ratios.insert(0, hm / tm)
    for ratio in ratios:
        k = math.log10(ratio)
        if abs(k) >= 0.9 and abs(k - round(k)) < 0.2:
            return f"a units change (held-out values about x{10.0 ** round(k):g} train's)"
    lo, hi = _quantile(a, 0.01), _quantile(a, 0.99)
    inside = (np.searchsorted(b, hi, side="right") - np.searchsorted(b, lo, side="left")) / b.size
    if scale > 0 and held_scale < 0.6 * scale and inside > 0.98:
        return "filtering (held-out rows cover a narrower part of train's range)"
    if scale > 0 and held_scale > 1.7 * scale:
        return "a noisier or broader source"
    return "another period or source (drift), or a pipeline change"


def categorical_shift(name: str, train: Counts, held: Counts, held_name: str) -> Shift | None:
    """Jensen-Shannon distance between the category shares, with a chi-square test on the counts.

    Categories expected fewer than MIN_EXPECTED times in the held-out split (from both splits'
    counts, so the binning does not depend on the split) share one bin, as do categories train
    never saw: comparing rare categories one by one measures noise (a 300-category column of a
    random split shows a Jensen-Shannon distance of 0.6), and keeping only the categories train
    saw would bias the held-out shares against rare ones."""
    from scipy import stats
    from scipy.spatial.distance import jensenshannon

    t_all, h_all = train.counts.astype(float), held.counts.astype(float)
    nt, nh = t_all.sum(), h_all.sum()
    if nt == 0 or nh == 0:
        return None
    frequent = (t_all + h_all) * nh / (nt + nh) >= MIN_EXPECTED
    frequent &= t_all > 0
    t, h = t_all[frequent], h_all[frequent]
    names = [n for n, f in zip(train.names, frequent) if f]
    if (~frequent).any() and (t_all[~frequent].sum() or h_all[~frequent].sum()):
        t, h = np.append(t, t_all[~frequent].sum()), np.append(h, h_all[~frequent].sum())
        names.append("(rare or new)")
    if len(names) < 2:
        return None
    pt, ph = t / nt, h / nh
    effect = float(jensenshannon(pt, ph, base=2))
    table = np.vstack([t, h])
    table = table[:, table.sum(axis=0) > 0]
    p = float(stats.chi2_contingency(table, correction=False).pvalue) if table.shape[1] >= 2 else 1.0
    top = int(np.argmax(np.abs(ph - pt)))
    note = f"'{names[top]}' is {100 * ph[top]:.1f}% of {held_name} vs {100 * pt[top]:.1f}% of train"
    shares = {"train": _shares(names, pt), "held": _shares(names, ph)}
    return Shift(name, "distribution", "jensen-shannon distance", effect, p, {"rows": int(nt)},
                 {"rows": int(nh)}, "another period or source, filtering, or re-encoded categories",
                 note, {"psi": _psi(pt, ph), **shares})


def _shares(names: list[str], shares: np.ndarray, limit: int = 10) -> dict[str, float]:
    order = np.argsort(-shares, kind="stable")[:limit]
    return {names[i]: float(shares[i]) for i in order}


def unseen_categories(name: str, train: Counts, held: Counts, held_name: str) -> Shift | None:
    """Categories of the held-out split that train never saw, with their share of its rows."""
    new = (train.counts == 0) & (held.counts > 0)
    m = int(held.counts.sum())
    if not new.any() or m == 0:
        return None
    big_n = int(train.counts.sum()) + m
    share = float(held.counts[new].sum()) / m
    log_p = [_log_comb(m, int(c)) - _log_comb(big_n, int(c)) for c in held.counts[new]]
    p = min(1.0, math.exp(min(log_p)) * int(new.sum()))
    names = [n for n, s in zip(held.names, new) if s]
    order = np.argsort(-held.counts[new], kind="stable")
    listed = {names[i]: int(held.counts[new][i]) for i in order[:10]}
    shown = ", ".join(f"'{k}' ({v})" for k, v in list(listed.items())[:3]) + (", ..." if len(names) > 3 else "")
    what = "1 category" if len(names) == 1 else f"{len(names)} categories"
    note = f"{what} never seen in train hold {100 * share:.1f}% of {held_name}'s rows: {shown}"
    return Shift(name, "unseen", "share of held-out rows", share, p, {"categories": int((train.counts > 0).sum())},
                 {"rows": int(held.counts[new].sum()), "categories": len(names)},
                 "new values after train was collected, or a spelling or encoding change", note,
                 {"unseen": listed})


def missing_shift(name: str, train: Numbers | Counts, held: Numbers | Counts, held_name: str) -> Shift | None:
    """The missing rate moved: the change in rate, Fisher's exact test (chi-square when large)."""
    from scipy import stats

    if train.rows == 0 or held.rows == 0 or (train.missing == 0 and held.missing == 0):
        return None
    rt, rh = train.missing / train.rows, held.missing / held.rows
    table = np.array([[train.missing, train.rows - train.missing], [held.missing, held.rows - held.missing]])
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    if expected.min() < 5:
        p = float(stats.fisher_exact(table).pvalue)
    else:
        p = float(stats.chi2_contingency(table).pvalue)
    note = f"{100 * rh:.1f}% missing in {held_name} vs {100 * rt:.1f}% in train"
    return Shift(name, "missing", "change in missing rate", abs(rh - rt), p,
                 {"rows": train.rows, "missing": train.missing}, {"rows": held.rows, "missing": held.missing},
                 "a pipeline change (a field filled differently, a join that lost rows)", note)


def prior_shift(name: str, train: Counts, held: Counts, held_name: str) -> Shift | None:
    """Class priors: the largest ratio between a class's held-out and train shares (classes both
    have; absent ones are absent_classes'), with the categories' chi-square test. Halving one
    class of ten barely moves a Jensen-Shannon distance (0.06) but is a ratio of 2."""
    shift = categorical_shift(name, train, held, held_name)
    if shift is None:
        return None
    t, h = train.counts.astype(float), held.counts.astype(float)
    both = (t > 0) & (h > 0)
    if not both.any():
        return None
    logs = np.log((h[both] / h.sum()) / (t[both] / t.sum()))
    worst = int(np.argmax(np.abs(logs)))
    cls = [n for n, k in zip(train.names, both) if k][worst]
    pt, ph = t[both][worst] / t.sum(), h[both][worst] / h.sum()
    note = (f"class '{cls}' is {100 * ph:.1f}% of {held_name} vs {100 * pt:.1f}% of train "
            f"(x{ph / pt:.2f}; Jensen-Shannon distance {shift.effect:.3f})")
    # One class moving is diluted in the chi-square over all classes (9 degrees of freedom for
    # digits): test each class against the rest too, Bonferroni over the classes.
    present = t + h > 0
    k = int(present.sum())
    per_class = min(_two_by_two(int(t[i]), int(t.sum()), int(h[i]), int(h.sum())) for i in np.flatnonzero(present))
    p = min(shift.p, min(1.0, per_class * (1 if k <= 2 else k)))
    return Shift(name, "prior", "largest class prior ratio", float(np.exp(abs(logs[worst]))), p, shift.train,
                 shift.held, "a split that was not stratified by the label, or a held-out period or source with "
                 "another class balance", note, {**(shift.extra or {}), "jensen_shannon": shift.effect, "class": cls})


def _two_by_two(a: int, n_a: int, b: int, n_b: int) -> float:
    """p of 'a of n_a' vs 'b of n_b': Fisher's exact test when an expected count is under 5."""
    from scipy import stats

    table = np.array([[a, n_a - a], [b, n_b - b]])
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / max(table.sum(), 1)
    if expected.min() < 5:
        return float(stats.fisher_exact(table).pvalue)
    return float(stats.chi2_contingency(table, correction=False).pvalue)


def absent_classes(name: str, train: Counts, held: Counts, held_name: str) -> list[Shift]:
    """Classes a held-out split has that train lacks (always news: no model learns them), and
    classes train has that a held-out split lacks when that is unlikely by chance."""
    out = []
    m, n_t = int(held.counts.sum()), int(train.counts.sum())
    big_n = m + n_t
    for i, cls in enumerate(train.names):
        t, h = int(train.counts[i]), int(held.counts[i])
        if h and not t:
            out.append(Shift(name, "absent", "class absent from train", 1.0, 0.0, {"count": 0}, {"count": h},
                             "a class added after train was collected, or split by class",
                             f"class '{cls}' has {h} rows in {held_name} and none in train", {"class": cls}))
        elif t and not h and m:
            p = math.exp(_log_comb(big_n - t, m) - _log_comb(big_n, m))  # no row of the class drawn
            out.append(Shift(name, "absent", f"class absent from {held_name}", 1.0, p, {"count": t}, {"count": 0},
                             "filtering, or a split by time or source",
                             f"class '{cls}' has {t} rows in train and none in {held_name}", {"class": cls}))
    return out


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) if 0 <= k <= n else -math.inf


def _g(x: float) -> str:
    return f"{x:.3g}" if math.isfinite(x) else str(x)
