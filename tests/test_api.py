"""The library API a notebook uses: scan's signature and keywords, DataFrames, outputs, Report.stats."""
from __future__ import annotations

import inspect
import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import preflight
from preflight.stats.load import Stats

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "fixtures" / "demo" / "customers.csv"


def _keys(report: preflight.Report) -> list[tuple]:
    return [(f.rule, f.severity, f.rows, f.groups, f.columns, f.count) for f in report.findings]


def test_scan_has_its_real_signature_and_docstring() -> None:
    params = inspect.signature(preflight.scan).parameters
    assert list(params)[:3] == ["path", "label", "task"] and "output_dir" in params
    assert "DataFrame" in (preflight.scan.__doc__ or "") and "TypeError" in (preflight.scan.__doc__ or "")


@pytest.mark.parametrize("kwargs,closest", [({"lable": "churn"}, "label"), ({"worker": 2}, "workers"),
                                            ({"outputdir": "x"}, "output_dir"), ({"fail_one": "never"}, "fail_on")])
def test_a_misspelt_keyword_is_a_type_error_naming_the_closest(kwargs, closest) -> None:
    with pytest.raises(TypeError, match=f"unexpected keyword argument '{next(iter(kwargs))}'; did you mean "
                                        f"'{closest}'"):
        preflight.scan(DEMO, **kwargs)


def test_settings_are_keywords() -> None:
    report = preflight.scan(DEMO, select=["missing-values"], placeholders=["?"])  # NA no longer a placeholder
    [age] = [f for f in report.findings if f.columns == ("age",)]
    assert age.details["placeholders"] == {"?": 2}


def test_a_dataframe_scans_like_its_csv(tmp_path, monkeypatch) -> None:
    """No temp file: the frame is read as a pyarrow Table. Findings equal the CSV's but for the
    spelling of cells pandas already turned into NaN (missing-values cannot name it)."""
    def no_temp_files(*a, **k):
        raise AssertionError("a temp file was made")

    monkeypatch.chdir(tmp_path)
    for name in ("mkstemp", "mkdtemp", "NamedTemporaryFile", "TemporaryDirectory"):
        monkeypatch.setattr(tempfile, name, no_temp_files)
    by_file = preflight.scan(DEMO, label="churn")
    frame = pd.read_csv(DEMO)
    by_frame = preflight.scan(frame, label="churn")
    assert _keys(by_frame) == _keys(by_file)
    assert by_frame.stats["features"] == by_file.stats["features"]
    assert by_frame.dataset["path"] == "<DataFrame>" and by_frame.dataset["rows"] == 408
    assert _keys(preflight.scan(pa.Table.from_pandas(frame), label="churn")) == _keys(by_file)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(TypeError, match="takes a path or a pandas DataFrame"):
        preflight.scan([1, 2, 3])  # type: ignore[arg-type]


def test_a_dataframe_with_mixed_objects_and_odd_names() -> None:
    frame = pd.DataFrame({0: [1, "a", None, 2.5] * 10, "y": ["p", "q"] * 20})
    report = preflight.scan(frame, label="y", select=["mixed-types", "missing-values"])
    assert report.stats["features"]["0"]["kind"] == "mixed"
    assert report.stats["features"]["0"]["missing"] == 10


def test_output_dir_writes_the_cli_set(tmp_path) -> None:
    out = tmp_path / "out"
    report = preflight.scan(DEMO, output_dir=out)
    assert sorted(p.name for p in out.iterdir()) == ["findings.json", "manifest.json", "report.html", "stats.json"]
    assert report.written == tuple(str(out / n) for n in ("stats.json", "findings.json", "report.html"))
    assert json.loads((out / "findings.json").read_text()) == report.to_dict()
    assert json.loads((out / "stats.json").read_text()) == report.stats
    bare = preflight.scan(DEMO, output_dir=tmp_path / "bare", views=False)
    assert not (tmp_path / "bare" / "report.html").exists() and len(bare.written) == 2
    assert preflight.scan(DEMO).written == ()


def test_report_stats_is_the_loaded_stats(tmp_path) -> None:
    report = preflight.scan(DEMO)
    stats = report.stats
    assert isinstance(stats, Stats) and isinstance(stats, dict)
    assert stats["target"]["classes"] == ["no", "yes"] and stats.classes == ["no", "yes"]
    assert json.loads(json.dumps(stats)) == stats.to_dict()  # json.dumps works as on the old dict
    with pytest.raises(TypeError, match="read-only"):
        stats["target"] = None  # type: ignore[index]
    with pytest.raises(TypeError, match="read-only"):
        stats.update({})
    loaded = preflight.load_stats(_written(tmp_path, report))
    frame = pd.read_csv(DEMO)
    np.testing.assert_array_equal(stats.transform(frame, on_unknown="ignore"),
                                  loaded.transform(frame, on_unknown="ignore"))
    assert "stats=" not in repr(report)  # the dataclass repr leaves the stats out


def _written(tmp_path: Path, report: preflight.Report) -> Path:
    path = tmp_path / "stats.json"
    path.write_text(json.dumps(report.stats))
    return path


def test_the_report_is_a_table_in_jupyter() -> None:
    from preflight.findings import Finding, Report

    findings = tuple(Finding(rule, code, sev, msg, columns=cols) for rule, code, sev, msg, cols in [
        ("needs-normalization", "PF402", "info", "fine", ()),
        ("missing-values", "PF101", "warning", "column '<b>x</b>': 1 missing", ("<b>x</b>",)),
        ("duplicate-rows", "PF201", "error", "<script>alert(1)</script>", ())])
    report = Report({"path": "<img src=x>", "kind": "tabular", "rows": 3, "label": None}, findings, {}, 1, "error")
    html = report._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>x" not in html and "<img" not in html
    assert html.index(">error<") < html.index(">warning<") < html.index(">info<")  # most severe first
    assert "<table>" in html and "FAIL</b>: 1 error, 1 warning, 1 info" in html
