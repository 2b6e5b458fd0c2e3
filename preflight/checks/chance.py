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
of one questionnaire).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from preflight.kernels.hashing import combine, hash_floats


@dataclass(frozen=True)
class Chance:
    observed_pairs: int
    rest_pairs: int       # pairs equal in every column but the telling one
    telling: str          # the telling column
    collision: float      # P(two rows equal in it)
    probability: float    # P(at least observed_pairs equal pairs | chance alone)

    @property
    def expected_pairs(self) -> float:
        return self.rest_pairs * self.collision

    def to_dict(self) -> dict[str, Any]:
        return {"observed_pairs": self.observed_pairs, "expected_pairs": float(f"{self.expected_pairs:.6g}"),
                "pairs_equal_elsewhere": self.rest_pairs, "telling_column": self.telling,
                "telling_collision": float(f"{self.collision:.6g}"),
                "chance_probability": float(f"{self.probability:.6g}")}

    def says(self) -> str:
        return (f"{self.observed_pairs:,} equal pairs; of the {self.rest_pairs:,} pairs equal in the other columns, "
                f"chance makes about {_count(self.expected_pairs)} also equal in '{self.telling}' (P = "
                f"{self.probability:.2g})")


SLACK = 3.0  # O <= SLACK * E is chance-level whatever the tail: j's own dependence on the rest


def chance_of(columns: list, rows: np.ndarray | None = None) -> Chance:
    """Equal pairs over `columns` (on `rows`, default all) against those chance gives."""
    hashes = [_cell_hashes(c) if rows is None else _cell_hashes(c)[rows] for c in columns]
    n = hashes[0].size if hashes else 0
    observed = _pairs(combine(hashes, n)) if hashes else 0
    if not hashes or n < 2:
        return Chance(observed, 0, "", 1.0, 1.0)
    pairs = [_pairs(h) for h in hashes]
    j = int(np.argmin(pairs))  # the column whose values repeat least
    rest = _pairs(combine(hashes[:j] + hashes[j + 1:], n)) if len(hashes) > 1 else n * (n - 1) // 2
    c = pairs[j] / (n * (n - 1) / 2)  # j's rate of equal pairs, the pairs under test included

    p = 1.0 if observed <= SLACK * rest * c else _binomial_tail(observed, rest, c)
    return Chance(observed, rest, columns[j].name, c, p)


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
