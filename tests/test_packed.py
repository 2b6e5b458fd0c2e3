"""The label's per-row arrays kept packed (profile/packed.py): a packed label gathers, row for row,
the arrays a feature's builder keeps, and the same class codes; a label whose batches do not
pack keeps its arrays per row."""
from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pyarrow as pa
import pytest

from preflight.profile.column_profile import ROW_FIELDS, ColumnProfile, PackedColumn
from preflight.profile.columns import ColumnBuilder
from preflight.profile.target import infer_target

SETTINGS = {"max_classes": 50}
rng = np.random.default_rng(7)
WORDS = ["a", " a", "b ", "NA", "?", "1.5", "inf", "2", "", "c"]


def _ints(n: int) -> pa.Array:
    return pa.array([None if v == 3 else int(v) for v in rng.integers(0, 4, n)], pa.int64())


def _floats(n: int) -> pa.Array:
    return pa.array(rng.choice([0.0, -0.0, np.inf, -np.inf, 1.5, np.nan], n), pa.float64())


def _texts(n: int) -> pa.Array:
    return pa.array([None if w == "" else w for w in rng.choice(WORDS, n)])


def _many(n: int) -> pa.Array:
    return pa.array(rng.normal(size=n))


def _both(batches: list[pa.Array]) -> tuple[ColumnProfile, ColumnProfile]:
    out = []
    for packs in (True, False):
        b = ColumnBuilder("label", ["?", "NA"], 1000, max_codes=100_000, packs=packs)
        for arr in batches:
            b.add(arr)
        out.append(b.finish())
    return out[0], out[1]


def _fields(col: ColumnProfile) -> dict:
    return {f.name: getattr(col, f.name) for f in dataclasses.fields(ColumnProfile)}


@pytest.mark.parametrize("kinds", [(_ints, _ints), (_floats, _ints), (_texts, _texts), (_texts, _ints, _floats)])
def test_a_packed_label_gathers_the_arrays_of_one_kept_per_row(kinds) -> None:
    packed, rows = _both([make(200) for make in kinds])
    assert isinstance(packed, PackedColumn) and packed.cells is not None
    assert packed.cells.index.dtype == np.uint8
    assert not isinstance(rows, PackedColumn) or rows.cells is None
    assert pickle.dumps(_fields(packed)) == pickle.dumps(_fields(rows))
    for task in ("auto", "classification"):
        a, b = infer_target(packed, task, SETTINGS), infer_target(rows, task, SETTINGS)
        assert a[:2] == b[:2]
        assert (a[2] is None and b[2] is None) or a[2].tobytes() == b[2].tobytes()
    at = np.array([0, 5, 399, 17])
    sliced, want_at = packed.at(at), rows.at(at)
    for name in ROW_FIELDS:
        g, w = getattr(sliced, name), getattr(want_at, name)
        assert (g is None and w is None) or g.tobytes() == w.tobytes(), name


def test_a_label_with_many_distinct_cells_keeps_them_per_row() -> None:
    packed, rows = _both([_ints(200), _many(200)])
    assert not isinstance(packed, PackedColumn)
    assert packed.values.tobytes() == rows.values.tobytes()


def test_arrays_given_to_a_packed_label_are_its_own() -> None:
    """dataclasses.replace (overflow.cap) gives every array: the cells no longer speak for them."""
    packed, _ = _both([_floats(200)])
    marked = np.ones(packed.rows, bool)
    capped = dataclasses.replace(packed, nonfinite_mask=marked)
    assert capped.cells is None and capped.nonfinite_mask is marked
    assert capped.values.tobytes() == packed.values.tobytes()
