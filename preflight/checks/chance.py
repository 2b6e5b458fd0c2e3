"""How many equal rows chance alone gives: the evidence behind duplicate-rows' and
conflicting-labels' severities (a helper, not a rule).

Copies of one record agree in every column; rows equal by chance agree where values are
few. So the test looks at the most telling column j (the one whose values repeat least:
a measurement rather than a category): among the R pairs of rows equal in every other
column, chance makes each also equal in j with probability c_j (j's equal pairs over all
pairs, the pairs under test included: chance could have made them), so about E = R c_j.
The observed count O is judged by the binomial tail P(X >= O | R, c_j), or taken as
chance-level when O <= 3E: j depends on the other columns too (a child's height on its
parents'), which lifts O above E by a factor that the tail of a count in the thousands
would read as proof (Galton: 8,995 pairs against 8,069; copied records reach 20 to 10,000
times E on benchmarks/real_tables.py's tables). For a count table or a designed experiment
(few discrete columns: repeats are the design), or tips' two round bills, the tail is
large; for copied records among continuous columns (diamonds, a storm entered twice) it is
tiny. Using the other columns' own agreement takes their dependence into account (items
of one questionnaire). Four dependences it cannot see are handled apart:
- a column computed from others (a total of broods, a stay = exit - entry, on 99% of rows)
  repeats whenever they do: it is left out (one of columns computed from each other stays);
- a column that copies another where both are present (95% of those rows: Cavendish's
  density2, one value corrected, and density3, the later runs only) is one measurement: left out;
- a column the telling one determines (age group, given age) is left out of the other
  columns when the telling column has enough equal pairs besides those under test (half as
  many, and 10) to show it;
- a single copied pair among measurements needs a second look: the two most telling
  columns together (the product of their rates, plus the rate of pairs equal in both beyond
  those under test, so columns that move together such as gun and net race times count
  once), when the second also repeats on under 1% of pairs, judged the same way; the
  smaller probability counts (glass' one duplicate: 0.0017 on RI alone, 8e-6 on RI and Ca).
The telling column's resolution is a fifth: a numeric column written to a fixed step (0.1
degree of longitude) whose values cluster within the groups equal in the other columns has as
many equal pairs there as pairs one step apart, whatever its spread over the whole table: when
those neighbours (one and two steps apart, over 4) outnumber R c, they are the chance count
(Depredations' wolf attacks: 73 equal longitudes among farms with 110 pairs 0.1 degree apart).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from preflight.findings import plural
from preflight.kernels.hashing import MISSING_HASH, combine, first_by_hash, hash_floats, spread_copies


@dataclass(frozen=True)
class Chance:
    observed_pairs: int
    rest_pairs: int       # pairs equal in every column but the telling one
    telling: str          # the telling column(s)
    collision: float      # P(two rows equal in it, or in both)
    probability: float    # P(at least observed_pairs equal pairs | chance alone)
    near: tuple[float, int, int] | None = None  # the telling column's step, pairs 1 and 2 steps apart

    @property
    def expected_pairs(self) -> float:
        return self.rest_pairs * self.collision

    def to_dict(self) -> dict[str, Any]:
        out = {"observed_pairs": self.observed_pairs, "expected_pairs": float(f"{self.expected_pairs:.6g}"),
               "pairs_equal_elsewhere": self.rest_pairs, "telling_column": self.telling,
               "telling_collision": float(f"{self.collision:.6g}"),
               "chance_probability": float(f"{self.probability:.6g}")}
        if self.near is not None:  # an optional key: only when the column's resolution set the expectation
            out["resolution"] = {"step": self.near[0], "pairs_one_step": self.near[1], "pairs_two_steps": self.near[2]}
        return out

    def says(self) -> str:
        near = ""
        if self.near is not None:
            step, one, two = self.near
            near = (f", as its resolution makes them: {one:,} of those pairs are {step:g} apart in it, "
                    f"{two:,} are {2 * step:g} apart")
        return (f"{plural(self.observed_pairs, 'equal pair')}; of the {plural(self.rest_pairs, 'pair')}"
                f" equal in the other columns, "
                f"chance makes about {_count(self.expected_pairs)} also equal in '{self.telling}'{near} (P = "
                f"{self.probability:.2g})")


RATE_ROWS = 200_000
FIT_ROWS = 20_000  # rows on which a telling column is tested for being computed from others
MAX_DERIVED_INPUTS = 30  # other numeric columns tried as its inputs
SLACK = 3.0  # O <= SLACK * E is chance-level whatever the tail: j's own dependence on the rest
RARE = 0.01  # a second telling column must repeat on fewer than 1% of pairs
COARSENING_EVIDENCE = 10  # equal pairs of the telling column outside the rows under test, at least
COPY_SHARE = 0.95  # a column equal to another on this share of the rows where both are present copies it


def chance_of(columns: list, rows: np.ndarray | None = None) -> Chance:
    """Equal pairs over `columns` (on `rows`, default all) against those chance gives."""
    hashes = [_cell_hashes(c) if rows is None else _cell_hashes(c)[rows] for c in columns]
    n = hashes[0].size if hashes else 0
    row_key = combine(hashes, n) if hashes else np.empty(0, np.uint64)
    observed = _pairs(row_key)
    if not hashes or n < 2:
        return Chance(observed, 0, "", 1.0, 1.0)
    # Each column's rate of equal pairs: exact up to RATE_ROWS rows, on a content-keyed sample
    # beyond (copies spread), scaled to the whole table's pairs.
    total = n * (n - 1) / 2
    some, scale = slice(None), 1.0
    if n > RATE_ROWS:
        some = first_by_hash(spread_copies(row_key), RATE_ROWS)
        scale = total / (RATE_ROWS * (RATE_ROWS - 1) / 2)
        pairs = [max(_pairs(h[some]) * scale, observed) for h in hashes]  # the copies repeat in each
    else:
        pairs = [_pairs(h) for h in hashes]
    order = np.argsort(pairs, kind="stable")  # the columns whose values repeat least first
    # A column computed from others (a total, a difference) repeats whenever they do: no
    # evidence of its own, left out (one of columns computed from each other stays).
    sample = first_by_hash(spread_copies(row_key), FIT_ROWS)
    derived: list[int] = []
    for j in order[:3].tolist():
        if len(derived) < len(hashes) - 1 and _derived(j, columns, rows, sample, derived):
            derived.append(j)
    derived += _copies(hashes, sample, derived)
    order = np.array([j for j in order.tolist() if j not in derived])
    hashes = [h if j not in derived else None for j, h in enumerate(hashes)]
    best = None
    for k in (1, 2):  # the most telling column, then the two most telling ones together
        telling = order[:k].tolist()
        if len(telling) < k or (k == 2 and pairs[telling[1]] / total >= RARE):
            break  # the second column repeats too often to tell more than the first
        key = combine([hashes[j] for j in telling], n)
        key_pairs = _pairs(key)
        if k == 1:
            c = pairs[telling[0]] / total
        else:  # independent, plus the pairs equal in both beyond those under test: two columns that
            # move together (gun and net race times) repeat together, and that counts once
            joint = _pairs(key[some]) * scale if n > RATE_ROWS else key_pairs
            c = pairs[telling[0]] * pairs[telling[1]] / total**2 + max(joint - observed, 0) / total
        # enough equal pairs outside the rows under test to tell what the telling column determines
        judged = pairs[telling[0]] - observed >= max(observed / 2, COARSENING_EVIDENCE)
        # A column the telling ones determine (age group, given age) is no evidence of its own:
        # left out of "the other columns", where it would make rows look rarer than they are.
        others = [h for j, h in enumerate(hashes) if j not in telling and h is not None
                  and not (judged and k == 1 and _pairs(combine([key, h], n)) == key_pairs)]
        rest_key = combine(others, n) if others else np.zeros(n, np.uint64)
        rest = _pairs(rest_key) if others else int(total)
        near = _near_pairs(columns[telling[0]], rows, rest_key) if k == 1 and rest else None
        if near is not None and (near[1] + near[2]) / 4 > rest * c:
            c = (near[1] + near[2]) / 4 / rest  # pairs one and two steps apart: as many equal ones by chance
        else:
            near = None
        p = 1.0 if observed <= SLACK * rest * c else _binomial_tail(observed, rest, c)
        chance = Chance(observed, rest, " and ".join(columns[j].name for j in telling), c, p, near)
        best = chance if best is None or chance.probability < best.probability else best
    return best


def _derived(j: int, columns: list, rows: np.ndarray | None, sample: np.ndarray, left_out: list[int]) -> bool:
    """Whether numeric column j is, on at least 99% of the sampled rows, the sum, difference
    or product of two other numeric columns, or the sum of all of them (or of all but one):
    total = brood1 + brood2 + brood3, time = exit - entry (a few rows may break the rule:
    entry errors)."""
    def take(c):
        v = c.values if rows is None else c.values[rows]
        return v[sample]

    if columns[j].kind != "numeric":
        return False
    y = take(columns[j])
    xs = [take(c) for i, c in enumerate(columns)
          if i != j and i not in left_out and c.kind == "numeric"][:MAX_DERIVED_INPUTS]
    if not xs or y.size < 10:
        return False

    def same(z: np.ndarray) -> bool:
        return float(np.mean(np.isclose(y, z, rtol=1e-9, atol=1e-9))) >= 0.99

    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf: NaN, never equal
        everything = np.sum(xs, axis=0)
        if same(everything) or any(same(everything - x) for x in xs):  # the sum of all, or all but one
            return True
        for a in range(len(xs)):
            for b in range(a + 1, len(xs)):
                u, v = xs[a], xs[b]
                if same(u + v) or same(u - v) or same(v - u) or same(u * v):
                    return True
    return False


def _near_pairs(col: Any, rows: np.ndarray | None, rest_key: np.ndarray) -> tuple[float, int, int] | None:
    """For a numeric column written to a fixed step (0.1, 1: its resolution), the pairs of rows
    equal in the other columns (rest_key) that are one and two steps apart in it. Where values
    cluster within those groups (coordinates rounded to 0.1 degree, farms near each other), as
    many pairs land exactly equal as one step apart, whatever the column's spread over the whole
    table says: (one + two) / 4 is the chance count then (a flat density: equal pairs are half
    of those one step apart, either way). Copies are exact and have no such neighbours."""
    if col.kind != "numeric":
        return None
    v = col.values if rows is None else col.values[rows]
    ok = np.isfinite(v)
    step = _step(v[ok][:10_000])
    if step is None or not ok.any() or np.abs(v[ok]).max() / step > 2.0**50:
        return None
    q = np.round(v[ok] / step).astype(np.int64)
    key = rest_key[ok]
    order = np.lexsort((q, key))
    key, q = key[order], q[order]
    new = np.r_[True, (key[1:] != key[:-1]) | (q[1:] != q[:-1])]
    starts = np.flatnonzero(new)
    counts = np.diff(np.r_[starts, key.size])
    gk, gq = key[starts], q[starts]
    out = []
    for shift in (1, 2):  # cells (key, q) and (key, q + shift): both sorted by key, then q
        at = np.searchsorted(_pack(gk, gq), _pack(gk, gq + shift))
        at = np.minimum(at, gk.size - 1)
        hit = (gk[at] == gk) & (gq[at] == gq + shift)
        out.append(int(np.dot(counts[hit], counts[at[hit]])))
    return step, out[0], out[1]


def _pack(key: np.ndarray, q: np.ndarray) -> np.ndarray:
    """(key, q) pairs as one sortable array, in lexsort((q, key)) order."""
    packed = np.empty(key.size, dtype=[("k", np.uint64), ("q", np.int64)])
    packed["k"], packed["q"] = key, q
    return packed


def _step(v: np.ndarray) -> float | None:
    """The decimal step every value is written to (1, 0.1, 0.01, ... up to 1e-4), or None."""
    if not v.size:
        return None
    with np.errstate(over="ignore", invalid="ignore"):  # values near 1e308 overflow when scaled: not that step
        for decimals in range(5):
            scaled = v * 10.0**decimals
            if np.all(np.abs(scaled - np.round(scaled)) <= 1e-6 * np.maximum(1.0, np.abs(scaled))):
                return 10.0**-decimals
    return None


def _copies(hashes: list[np.ndarray], sample: np.ndarray, left_out: list[int]) -> list[int]:
    """Columns that copy an earlier one: equal to it on at least COPY_SHARE of the sampled rows
    where both are present (and on at least 10 of them): a corrected or partial copy of one
    measurement (Cavendish's density, density2 with one value fixed, density3 for the later
    runs) is one piece of evidence, not three. Each copy is left out, its original kept."""
    out: list[int] = []
    kept = [j for j in range(len(hashes)) if j not in left_out][:MAX_DERIVED_INPUTS]
    for i, a in enumerate(kept):
        if a in out:
            continue
        ha = hashes[a][sample]
        for b in kept[i + 1:]:
            if b in out:
                continue
            hb = hashes[b][sample]
            both = (ha != MISSING_HASH) & (hb != MISSING_HASH)
            if both.sum() >= 10 and np.mean(ha[both] == hb[both]) >= COPY_SHARE:
                out.append(b)
    return out


def _cell_hashes(col) -> np.ndarray:
    return col.hashes if col.hashes is not None else hash_floats(col.values, col.missing_mask)


def _pairs(h: np.ndarray) -> int:
    """Pairs of rows with equal hashes."""
    if h.size < 2:
        return 0
    s = np.sort(h)
    runs = np.diff(np.flatnonzero(np.r_[True, s[1:] != s[:-1], True])).astype(np.int64)
    return int(np.dot(runs, runs - 1) // 2)


def _binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    from scipy.stats import binom

    return float(binom.sf(k - 1, n, min(p, 1.0)))


def _count(x: float) -> str:
    return f"{x:,.0f}" if x >= 10 else f"{x:.2g}"


def file_of_rows(profile) -> np.ndarray:
    """The index of the file each row came from."""
    sizes = [r for _, r in profile.files]
    return np.repeat(np.arange(len(sizes)), sizes)
