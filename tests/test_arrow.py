"""preflight.kernels.arrow: the buffer-level conversions equal pyarrow's own, pandas stays unimported."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from preflight.kernels.arrow import bools, mask, numbers, strings

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("values, fill", [
    ([1.5, None, -0.0, float("inf"), 7.0], np.nan),
    ([3, None, -2, 2**40, None], -1),
    ([], np.nan),
])
def test_numbers_equal_to_numpy_with_offsets_and_nulls(values, fill):
    kind = pa.int64() if isinstance(fill, int) else pa.float64()
    arr = pa.array(values, kind)
    for piece in (arr, arr.slice(1), arr.slice(2, 2)):
        expected = piece.fill_null(fill).to_numpy(zero_copy_only=False) if len(piece) else np.empty(0)
        got = numbers(piece, fill)
        assert got.dtype == kind.to_pandas_dtype()
        np.testing.assert_array_equal(got, expected)


def test_bools_and_mask_round_trip_at_every_offset():
    rng = np.random.default_rng(0)
    raw = rng.random(37) < 0.5
    with_nulls = pa.array([None if i % 5 == 0 else bool(v) for i, v in enumerate(raw)], pa.bool_())
    for start in range(0, 11):
        piece = with_nulls.slice(start)
        np.testing.assert_array_equal(bools(piece), piece.fill_null(False).to_numpy(zero_copy_only=False))
        built = mask(raw[start:])
        assert built.equals(pa.array(raw[start:]))
    assert bools(pa.array([], pa.bool_())).shape == (0,)


def test_strings_equal_pa_array():
    values = ["a", None, "", "héllo", "  x ", None]
    assert strings(values).equals(pa.array(values, pa.string()))
    assert strings([]).equals(pa.array([], pa.string()))
    assert strings(iter(["z"])).equals(pa.array(["z"], pa.string()))


def test_an_image_scan_never_imports_pandas():
    """pyarrow's pandas shim would import pandas (~0.2 s) on the first to_numpy / pa.array."""
    code = ("import sys; from preflight import scan; "
            "r = scan(sys.argv[1], ignore=['label-issues'], cache=False); "
            "assert r.findings is not None; print('pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(ROOT / "fixtures" / "images_outliers")],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"
