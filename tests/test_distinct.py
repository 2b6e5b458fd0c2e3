"""Distinct values counted in pass 1 (profile/accumulators.py DistinctSet): exact up to its cap
whatever the partitioning, merged like one reader, per split for the training split's stats; an
estimate above the cap that never claims fewer than the cap."""
from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_partitions import Tree, one_partition, profile_of, snapshot

from preflight.kernels.hashing import hash_floats
from preflight.profile.accumulators import DistinctSet
from preflight.read.partitions import plan_source
from preflight.read.tabular import open_tabular

SIZES = (1, 3, 9000, 1, 40, 2900, 7)  # row groups: partitions of 1 to thousands of rows


def planted(n: int, seed: int = 0) -> pa.Table:
    """A constant, ids unique but for one repeat far apart, text with more values than codes keep
    (11,000: uncoded), a few numbers, floats, infinities, a mixed column and a label."""
    rng = np.random.default_rng(seed)
    ids = [f"U{i:06d}" for i in range(n)]
    ids[-1] = ids[2]
    many = [f"code {i % 11_000} " if i % 3 else f"code {i % 11_000}" for i in range(n)]  # trimmed alike
    mixed = np.where(rng.random(n) < 0.9, rng.integers(0, 50, n).astype(str), "oops").astype(object)
    return pa.table({"const": ["k"] * n, "id": ids, "many": many, "few": rng.integers(0, 4, n).astype(float),
                     "x": rng.normal(size=n), "inf": np.where(rng.random(n) < 0.5, np.inf, -np.inf),
                     "mixed": pa.array(list(mixed)), "split": np.where(np.arange(n) % 4 == 0, "test", "train"),
                     "y": rng.integers(0, 2, n)})


def write_groups(path: Path, data: pa.Table, sizes=SIZES) -> None:
    with pq.ParquetWriter(path, data.schema) as writer:
        start = 0
        for size in sizes:
            writer.write_table(data.slice(start, size))
            start += size


def _exact(col, rows: np.ndarray | None = None) -> int:
    """What the per-row arrays say: the present cells' content hashes, counted."""
    hashes = col.hashes if col.hashes is not None else hash_floats(col.values, col.missing_mask)
    keep = ~col.missing_mask if rows is None else ~col.missing_mask & rows
    return int(np.unique(hashes[keep]).size)


def test_exact_below_the_cap_on_partitions_of_very_different_sizes(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    write_groups(path, planted(sum(SIZES)))
    plan = plan_source(open_tabular(path), batch_rows=64)
    assert len(plan.partitions) >= 3
    merged = profile_of(path, plan)
    for col in merged.columns:
        assert col.distinct_set is not None and not col.distinct_set.full
        assert col.distinct == _exact(col), col.name
    by = {c.name: c for c in merged.columns}
    assert by["const"].distinct == 1 and not by["const"].varies
    assert by["id"].distinct == by["id"].rows - 1
    assert by["many"].codes is None and by["many"].distinct == 11_000  # "code 1" and "code 1 " are one
    assert by["inf"].distinct == 2 and by["inf"].varies
    whole = snapshot(profile_of(path, one_partition(plan)))
    assert snapshot(merged) == whole
    assert snapshot(profile_of(path, plan, Tree())) == whole


def test_the_training_splits_distinct_values_come_from_its_part(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    write_groups(path, planted(sum(SIZES), seed=1))
    plan = plan_source(open_tabular(path), batch_rows=64)
    profile = profile_of(path, plan, split_col="split")
    table = profile.split_table
    train = table.mask(table.train)
    by = {c.name: c for c in profile.columns}
    for view in profile.train_columns:
        if view.name in ("many", "id"):
            assert view.distinct == _exact(by[view.name], train), view.name
    assert snapshot(profile) == snapshot(profile_of(path, one_partition(plan), split_col="split"))


def test_above_the_cap_the_state_is_still_one_readers(tmp_path: Path) -> None:
    """sample_rows 100: 200 distinct hashes kept; a column of 11,000 values is estimated, the
    same way however partitioned, and never below the cap; ids with no repeat among the kept
    hashes read as unique."""
    path = tmp_path / "t.parquet"
    data = planted(sum(SIZES), seed=2)
    write_groups(path, data.set_column(1, "id", pa.array([f"U{i}" for i in range(len(data))])))
    plan = plan_source(open_tabular(path), batch_rows=64)
    merged = profile_of(path, plan, sample_rows=100)
    assert snapshot(merged) == snapshot(profile_of(path, one_partition(plan), sample_rows=100))
    by = {c.name: c for c in merged.columns}
    assert by["many"].distinct_set.full and 201 <= by["many"].distinct <= by["many"].rows
    assert by["many"].distinct == pytest.approx(11_000, rel=0.25)
    assert by["id"].distinct == by["id"].rows  # exactly unique: no kept hash repeats
    assert by["few"].distinct == _exact(by["few"]) == 4


def test_merging_in_any_tree_gives_one_readers_set() -> None:
    rng = np.random.default_rng(0)
    for k, n in ((50, 30), (50, 5000), (1000, 200_000)):
        cells = rng.integers(0, n, 3 * n).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        one = DistinctSet(k)
        one.add(cells)
        chunks = np.split(cells, np.sort(rng.choice(cells.size, 9, replace=False)))
        sets = []
        for chunk in chunks:
            s = DistinctSet(k)
            for piece in np.array_split(chunk, 3):
                s.add(piece)
            sets.append(s)
        left = sets[0]
        for s in sets[1:]:
            left = left.merge(s)
        tree = sets
        while len(tree) > 1:
            tree = [tree[i].merge(tree[i + 1]) if i + 1 < len(tree) else tree[i] for i in range(0, len(tree), 2)]
        truth = np.unique(cells).size
        for got in (left, tree[0]):
            assert pickle.dumps(got.settled()) == pickle.dumps(one.settled())
            assert got.full == (truth > k)
            if truth <= k:
                assert got.count(cells.size) == truth
            else:
                assert got.count(cells.size) == pytest.approx(truth, rel=5 / np.sqrt(k))
        counts = dict(zip(*np.unique(cells, return_counts=True)))
        assert all(counts[h] == c for h, c in zip(one.hashes, one.counts))  # kept multiplicities are exact


def test_distinct_texts_with_their_cells_count_like_cells() -> None:
    a, b = DistinctSet(10), DistinctSet(10)
    a.add(np.array([5, 5, 9, 1], np.uint64))
    b.add(np.array([9, 5, 1], np.uint64), np.array([1, 2, 1]))
    assert pickle.dumps(a.settled()) == pickle.dumps(b.settled())
    assert a.count(4) == 3 and a.count(0) == 0



@pytest.mark.parametrize("distinct", [3, 40, 5_000])
def test_the_k_smallest_hashes_and_their_cells_whatever_the_batches(distinct: int) -> None:
    """Batches of cells, of counted hashes and merges, few or many distinct values: the k
    smallest distinct hashes with every cell each holds, as a Counter of all the cells says."""
    from collections import Counter

    rng = np.random.default_rng(distinct)
    cells = rng.integers(0, distinct, 30_000).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    k = 64
    expected = sorted(Counter(cells.tolist()).items())[:k]
    one, other = DistinctSet(k), DistinctSet(k)
    for j, piece in enumerate(np.array_split(cells, 23)):
        if j % 3 == 2:  # as distinct texts arrive: each hash once, with its cells
            h, c = np.unique(piece, return_counts=True)
            order = rng.permutation(h.size)
            other.add(h[order], c[order])
        else:
            (one if j % 2 else other).add(piece)
    merged = one.merge(other).settled()
    assert list(zip(merged.hashes.tolist(), merged.counts.tolist())) == expected
    assert merged.full == (distinct > k)
