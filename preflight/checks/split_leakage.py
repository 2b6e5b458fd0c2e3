"""the same (or a near-same) row or image in two splits, or the same entity: the held-out score is inflated.

Why: the model is evaluated on examples it trained on, so the test score overstates how
well it generalises, and model selection on it picks the best memoriser. The same customer or
patient on both sides (group leakage) does the same more quietly: the model learns the entity.

Tables: rows of two splits whose features are equal (by the 64-bit feature hash), or, with
`near`, nearly equal (as near-duplicates finds them: free text by MinHash near-copies; other
tables only with at least 3 varying numeric inputs, below which rows fall that close by
chance); one finding per split pair and kind,
the groups as global row indices (the text, github and sarif outputs give each side's file and
line). Such a finding is an error when held-out rows have a copy in the reference split more
often than the reference split's own rows have one there (at least twice as often, and not by
chance: binomial p < 0.001); otherwise the data simply repeats its inputs (few, discrete
columns, as in adult or Wage) and the finding is info. And an identifier whose values recur
across splits: a column named like one (`id`, `customer_id`, `patientId`, `uuid`) holding text
or whole numbers, or one unique per row within every split, with at least 20 distinct values
and 2% of its rows (5 store ids are a category); reported when the held-out rows carrying an id
the other split also has are at least 2 and at least min_shared_ids of that split's rows, with
the column and the count shared.
Images: the same or a near-same picture (perceptual hashes within image_hash_radius) in two
split folders. Needs splits (folders, file names or split_col).

Example: test.csv rows 3 and 17 repeat train.csv rows 40 and 112; patient_id P0012 has rows in
train and test; train/cat/12.jpg and test/cat/12_resized.jpg (perceptual hashes a few bits apart).

Fix: keep each group within one split: remove the copies from the held-out split, or split by
source or entity (scikit-learn's GroupShuffleSplit on the id column)."""
from __future__ import annotations

import re
from typing import Any

import numpy as np

from preflight.checks.base import Check, Context, Scoring, on_sample, pct, preview
from preflight.checks.groups import hash_groups
from preflight.checks.images import near_radius, path_groups, shown_groups, similar_groups
from preflight.checks.near_pairs import near_copies, near_rows
from preflight.findings import Finding
from preflight.kernels.hashing import hash_floats
from preflight.params import Boolean, Interval

ID_NAME = re.compile(r"(?:^|[_\W])(?:id|uuid|guid)$", re.IGNORECASE)
CAMEL_ID = re.compile(r"[a-z0-9](?:Id|ID)$")
MIN_UNIQUE = 0.95  # distinct / present within a split for an unnamed column to count as an id
MIN_ROWS = 20      # rows a split needs before a column can look unique in it
# Below this many varying numeric inputs, rows land within near-duplicates' radius by chance (one
# numeric column: a few percent of rows do), so "near" says nothing about copying there.
MIN_NEAR_DIMENSIONS = 3
# Copies across splits are leakage (an error) when held-out rows have a copy in the reference
# split more often than the reference split's own rows have one there (at least twice as often,
# binomial p below this); else the data simply repeats inputs (few discrete columns), and the
# finding is info.
CHANCE_P = 1e-3
MIN_IDS = 20          # an id column needs this many distinct values ...
MIN_ID_SHARE = 0.02   # ... and at least this share of its rows: 5 store ids are a category


class SplitLeakage(Check):
    name = "split-leakage"
    code = "PF205"
    summary = ("The same or a near-same row or image, or the same id, sits in two splits (train and test): "
               "the test score is inflated.")
    report_section = "duplicates"
    kinds = frozenset({"tabular", "images"})
    needs = frozenset({"splits"})
    params = {"near": Boolean(), "min_shared_ids": Interval(float, 0.0, 1.0, closed="right")}

    def score(self, profile, ctx: Context) -> Scoring | None:
        table = profile.split_table if profile.kind == "tabular" else None
        if (table is None or len(table.names) < 2 or not ctx.params["near"] or profile.rows < 2
                or _dimensions(profile) < MIN_NEAR_DIMENSIONS):
            return None
        return near_rows(profile, ctx.max_rows)  # above sample_rows rows: every row in pass 2

    def run(self, profile, ctx: Context) -> list[Finding]:
        if profile.kind == "images":
            return _images(profile, ctx)
        table = profile.split_table
        if table is None or len(table.names) < 2:
            return []
        ids = table.ids()
        out = _copies(profile, hash_groups(profile.feature_hash), ids, "exact", ctx)
        texts = bool(profile.text_columns) and profile.user_features is None  # near-copies of free text
        if ctx.params["near"] and profile.rows >= 2 and (texts or _dimensions(profile) >= MIN_NEAR_DIMENSIONS):
            near = [g for g in near_copies(profile)[0]
                    if np.unique(profile.feature_hash[g]).size > 1]
            out += _copies(profile, near, ids, "near-text" if texts else "near", ctx)
        view, at = profile.sampled  # id columns' cells: the row sample's above sample_rows rows
        return out + on_sample(_shared_ids(view, view.split_table.ids(), ctx), at)


def _dimensions(profile: Any) -> int:
    """Varying numeric inputs of the near-copy search (the user's embeddings: their width)."""
    if profile.user_features is not None:
        return int(profile.user_features.shape[1])
    return sum(1 for c in profile.columns if c.transform["kind"] not in ("one-hot", "drop") and c.varies)


def _pair(table: Any, a: int, b: int) -> tuple[int, int]:
    """(reference, held-out): train first when it is one of them, else display order."""
    order = table.order()
    return (a, b) if order.index(a) < order.index(b) else (b, a)


def _copies(profile: Any, groups: list[np.ndarray], ids: np.ndarray, match: str, ctx: Context) -> list[Finding]:
    table = profile.split_table
    by_pair: dict[tuple[int, int], list[np.ndarray]] = {}
    repeated = np.zeros(len(table.names), np.int64)  # per split: its rows with a copy in the same split
    for g in groups:
        split_of = ids[g]
        present, sizes = np.unique(split_of, return_counts=True)
        repeated[present[sizes > 1]] += sizes[sizes > 1]
        for i, a in enumerate(present.tolist()):
            for b in present[i + 1:].tolist():
                pair = _pair(table, a, b)
                by_pair.setdefault(pair, []).append(g[(split_of == a) | (split_of == b)])
    out = []
    for (ref, held), found in sorted(by_pair.items(), key=lambda kv: table.order().index(kv[0][1])):
        found.sort(key=lambda g: int(g[0]))
        rows = np.sort(np.concatenate(found))
        n_held = int((ids[rows] == held).sum())
        a, b = table.names[ref], table.names[held]
        shown = preview(["[" + ", ".join(map(str, g[:4])) + (", ...]" if g.size > 4 else "]") for g in found], 3)
        what = {"exact": "exact copies of", "near": "near-copies (in the transformed feature space) of",
                "near-text": "near-copies of the text (word 3-shingles, other columns equal) of"}[match]
        within = repeated[ref] / max(table.rows[ref], 1)
        p = _chance(n_held, table.rows[held], within)
        chance = n_held < 2 * within * table.rows[held] or p >= CHANCE_P
        why = (f"; as common as copies within {a} ({100 * within:.1f}% of its rows), so likely equal inputs by "
               "chance (few, discrete columns): dedupe only if they are the same records") if chance else \
            f"; the {b} score is inflated: drop them from {b}, or dedupe before splitting"
        out.append(ctx.finding(
            f"{a} vs {b}: {n_held} {b} rows ({pct(n_held, table.rows[held])}) are {what} {a} rows in their "
            f"features, in {len(found)} groups ({shown}){why}", rows=rows, groups=found,
            severity="info" if chance else None,
            details={"splits": [a, b], "match": match, "held_out_rows": n_held,
                     "reference_rows": int(rows.size - n_held), "within_reference": round(float(within), 6),
                     "p_chance": float(f"{p:.6g}")}))
    return out


def _chance(k: int, m: int, rate: float) -> float:
    """P(at least k of m held-out rows have a copy in the reference split) if each had one as often
    as the reference split's own rows do (binomial)."""
    from scipy import stats

    if rate <= 0:
        return 0.0 if k else 1.0
    return float(stats.binom.sf(k - 1, m, min(rate, 1.0)))


def _looks_like_id(col: Any, by_name: bool) -> bool:
    textual = col.kind in ("categorical", "mixed")
    whole = col.kind == "numeric" and col.integral
    if not (textual or whole):
        return False
    if by_name:
        return True
    for part in col.parts:  # cheap screens first: a repeated value in a split's sample, or few categories
        if part.present < MIN_ROWS:
            continue
        if whole and np.unique(part.sample).size < part.sample.size:
            return False
        if part.category_counts is not None and (part.category_counts > 0).sum() < MIN_UNIQUE * part.present:
            return False
    return True


def _shared_ids(profile: Any, ids: np.ndarray, ctx: Context) -> list[Finding]:
    table = profile.split_table
    out = []
    for col in profile.columns:
        named = bool(ID_NAME.search(col.name) or CAMEL_ID.search(col.name))
        if not _looks_like_id(col, named):
            continue
        present = ~col.missing_mask
        values = col.hashes if col.hashes is not None else hash_floats(col.values, col.missing_mask)
        splits = range(len(table.names))
        counts = [int((present & (ids == i)).sum()) for i in splits]
        distinct = [np.unique(values[present & (ids == i)]) for i in splits]
        overall = np.unique(np.concatenate(distinct)).size
        if overall < max(MIN_IDS, MIN_ID_SHARE * sum(counts)):
            continue
        if not named and not all(d.size >= MIN_UNIQUE * n for d, n in zip(distinct, counts) if n >= MIN_ROWS):
            continue
        for a in splits:
            for b in range(a + 1, len(table.names)):
                out += _shared(profile, col, values, present, ids, distinct, _pair(table, a, b), ctx)
    return out


def _shared(profile: Any, col: Any, values: np.ndarray, present: np.ndarray, ids: np.ndarray,
            distinct: list[np.ndarray], pair: tuple[int, int], ctx: Context) -> list[Finding]:
    table = profile.split_table
    ref, held = pair
    shared = np.intersect1d(distinct[ref], distinct[held], assume_unique=True)
    if shared.size == 0:
        return []
    carry = present & np.isin(values, shared)
    held_rows = np.flatnonzero(carry & (ids == held))
    held_present = int((present & (ids == held)).sum())
    if held_rows.size < 2 or held_rows.size < ctx.params["min_shared_ids"] * held_present:
        return []
    rows = np.flatnonzero(carry & ((ids == ref) | (ids == held)))
    a, b = table.names[ref], table.names[held]
    examples = _examples(col, held_rows[:5])
    shown = f" ({', '.join(examples)}{', ...' if shared.size > len(examples) else ''})" if examples else ""
    return [ctx.finding(
        f"{a} vs {b}: column '{col.name}' looks like an id and {shared.size} of its values{shown} appear in both, "
        f"on {held_rows.size} {b} rows ({pct(held_rows.size, held_present)}): the same entities on both sides "
        f"(group leakage); split by '{col.name}' (scikit-learn's GroupShuffleSplit), or drop it if it is no entity",
        rows=rows, columns=[col.name], count=int(shared.size),
        details={"splits": [a, b], "match": "id", "shared_ids": int(shared.size), "held_out_rows": int(held_rows.size),
                 "examples": examples})]


def _examples(col: Any, rows: np.ndarray) -> list[str]:
    out: list[str] = []
    for r in rows.tolist():
        if col.codes is not None and col.codes[r] >= 0:
            text = str(col.categories[col.codes[r]])
        elif col.kind == "numeric":
            v = float(col.values[r])
            text = str(int(v)) if v.is_integer() else f"{v:g}"
        else:
            return []  # a text column with too many values to keep them: no examples
        if text not in out:
            out.append(text)
    return out


def _images(profile, ctx: Context) -> list[Finding]:
    splits = profile.splits
    if len({s for s in splits if s}) < 2:
        return []
    radius = near_radius(profile, ctx.settings)
    groups = [g for g in similar_groups(profile, radius) if len({splits[i] for i in g if splits[i]}) > 1]
    if not groups:
        return []
    named = path_groups(profile, groups)
    files = sorted(f for g in named for f in g)
    pairs = sorted({"/".join(sorted({splits[i] for i in g if splits[i]})) for g in groups})
    return [ctx.finding(
        f"{len(named)} image(s) appear in more than one split ({', '.join(pairs)}), same or near-same "
        f"(perceptual hash within {radius} bits, thumbnails alike): {shown_groups(named)}; keep each in one "
        "split only",
        files=files, groups=named, count=len(named),
        details={"radius": radius, "splits": [[splits[i] for i in g] for g in groups[:1000]]})]
