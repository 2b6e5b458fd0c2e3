"""The CLI: exit codes, one-line errors, outputs, and the golden JSON/text contracts."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from preflight.cli import main

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden"
DEMO = "fixtures/demo/customers.csv"


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("PREFLIGHT_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), f"{name} changed: a public contract; bump the format version if on purpose"


@pytest.fixture
def in_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def test_demo_fails_with_exit_1_and_golden_outputs(in_root, tmp_path, capsys) -> None:
    out = tmp_path / "out"
    assert main(["scan", DEMO, "-o", str(out), "-q"]) == 1
    text, wrote = capsys.readouterr().out.rsplit("preflight: wrote ", 1)  # the last line names the -o files
    assert wrote == f"{out / 'stats.json'}, {out / 'findings.json'}, {out / 'report.html'}\n"
    _golden("demo.txt", text)
    _golden("demo.findings.json", (out / "findings.json").read_text())
    _golden("demo.stats.json", (out / "stats.json").read_text())
    assert main(["scan", DEMO, "--format", "json", "-q"]) == 1
    assert capsys.readouterr().out == (out / "findings.json").read_text()


def test_clean_table_exits_0(write_csv, capsys) -> None:
    rows = "\n".join(f"{i % 7 * 0.1:.1f},{((i * 37) % 11 - 5) / 3:.3f},{'ab'[i % 2]}" for i in range(60))
    data = write_csv("x1,x2,label\n" + rows + "\n")
    assert main(["scan", str(data)]) == 0
    assert "preflight: pass: 0 errors, 0 warnings, 0 info" in capsys.readouterr().out


def test_fail_on_never_and_warning(in_root, capsys) -> None:
    assert main(["scan", DEMO, "--fail-on", "never"]) == 0
    assert "preflight: not gating: 3 errors, 8 warnings, 3 info in" in capsys.readouterr().out
    assert main(["scan", DEMO, "-q", "--fail-on", "never"]) == 0
    assert main(["scan", DEMO, "-q", "--select", "PF3", "--ignore", "missing-labels"]) == 0
    assert main(["scan", DEMO, "-q", "--select", "PF3", "--fail-on", "warning"]) == 1


@pytest.mark.parametrize("make,needle", [
    (lambda d: d / "nope.csv", "nope.csv: no such file or folder."),
    (lambda d: _write(d / "notes.txt", b"hello"), "notes.txt: unsupported format"),
    (lambda d: _write(d / "empty.csv", b""), "empty.csv: file is empty (no header)."),
    (lambda d: _write(d / "bad.parquet", b"PAR1 this is not parquet"), "bad.parquet: cannot read:"),
    (lambda d: _write(d / "latin.csv", "a,b\n1,caf\xe9\n".encode("latin-1")),
     "latin.csv: cannot read: not valid UTF-8"),
    (lambda d: _write(d / "bad.jsonl", b'{"a": 1}\n{"a": \n'), "bad.jsonl: line 2 is not valid JSON"),
    (lambda d: _write(d / "ragged.csv", b"a,b\n1,2\n3,4,5\n"),
     "ragged.csv: cannot read: line 3: expected 2 columns, got 3: 3,4,5\n"),  # the line named
])
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, make, needle) -> None:
    path = make(tmp_path)
    assert main(["scan", str(path)]) == 2
    err = capsys.readouterr().err
    assert needle in err
    assert err.count("\n") == 1 and "Traceback" not in err


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_folder_with_disagreeing_columns(tmp_path, capsys) -> None:
    _write(tmp_path / "a.csv", b"x,y\n1,2\n")
    _write(tmp_path / "b.csv", b"x,z\n1,2\n")
    assert main(["scan", str(tmp_path)]) == 2
    assert "b.csv: columns differ from a.csv (missing: ['y']; extra: ['z'])" in capsys.readouterr().err


def test_usage_errors_exit_2(in_root, capsys) -> None:
    assert main(["scan", DEMO, "--fail-on", "sometimes"]) == 2
    assert main(["scan", DEMO, "--select", "PF9"]) == 2
    assert main(["scan", DEMO, "--label", "nope"]) == 2
    assert "label column 'nope' not found" in capsys.readouterr().err
    assert main(["bogus"]) == 2


def test_never_writes_into_the_scanned_folder(tmp_path, capsys) -> None:
    data = tmp_path / "data"
    data.mkdir()
    _write(data / "t.csv", b"x,y\n1,0\n2,1\n")
    before = sorted(p.name for p in data.rglob("*"))
    assert main(["scan", str(data), "-o", str(data / "out")]) == 2
    assert "inside the scanned dataset" in capsys.readouterr().err
    assert main(["scan", str(data), "-o", str(tmp_path / "out")]) == 0
    assert sorted(p.name for p in data.rglob("*")) == before
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["findings.json", "manifest.json", "report.html",
                                                                   "stats.json"]


def test_crashing_check_exits_3_naming_it(in_root, monkeypatch, capsys) -> None:
    from preflight.checks import discover

    def boom(self, profile, ctx):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(type(discover()["rare-class"]), "run", boom)
    assert main(["scan", DEMO, "-q"]) == 3
    err = capsys.readouterr().err
    assert "check 'rare-class' crashed: ZeroDivisionError: division by zero" in err
    assert "Traceback" not in err


def test_rules_lists_every_rule(capsys) -> None:
    from preflight.checks import discover

    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    for check in discover().values():
        assert f"{check.code}  {check.name}" in out


def test_findings_json_shape(in_root, capsys) -> None:
    main(["scan", DEMO, "--format", "json", "-q"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["format"] == "preflight-findings/1"
    assert set(doc["dataset"]) >= {"path", "kind", "rows", "columns", "label", "task"}
    keys = {"rule", "code", "severity", "message", "count", "rows", "groups", "columns", "details"}
    assert all(keys <= set(f) for f in doc["findings"])
    assert doc["summary"] == {s: sum(f["severity"] == s for f in doc["findings"]) for s in ("error", "warning", "info")}


def test_text_is_ordered_by_severity_then_code_with_plurals(in_root, capsys) -> None:
    assert main(["scan", DEMO, "--select", "PF2,PF4", "--color", "never"]) == 1
    lines = capsys.readouterr().out.splitlines()
    tags = [line.rsplit(" [", 1)[1].rstrip("]") for line in lines if line.startswith(DEMO)]
    assert tags == sorted(tags, key=["error", "warning", "info"].index)
    codes = [line.split(": ")[1].split()[0] for line in lines if line.startswith(DEMO) and line.endswith("[error]")]
    assert codes == sorted(codes) and len(codes) == 2
    assert "1 group (" in next(line for line in lines if "PF203" in line)  # not "1 groups"
    assert lines[-1].startswith("preflight: FAIL: 2 errors, 2 warnings, 1 info in")
    assert main(["scan", DEMO, "--select", "PF201", "--color", "never"]) == 1
    assert "FAIL: 1 error, 0 warnings, 0 info" in capsys.readouterr().out


@pytest.mark.parametrize("args,env,coloured", [
    (["--color", "always"], {}, True), (["--color", "always"], {"NO_COLOR": "1"}, True),
    (["--color", "never"], {}, False), ([], {}, False),  # auto: the test's stdout is no terminal
])
def test_colour(in_root, capsys, monkeypatch, args, env, coloured) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    main(["scan", DEMO, "--select", "PF201", *args])
    out = capsys.readouterr().out
    assert ("\x1b[" in out) == coloured
    if coloured:
        assert "\x1b[31mPF201\x1b[0m" in out and "\x1b[31mFAIL\x1b[0m" in out


def test_colour_auto_on_a_terminal_respects_no_color(monkeypatch) -> None:
    import sys

    from preflight import cli

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert cli._colour("auto") is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert cli._colour("auto") is False
    monkeypatch.setenv("NO_COLOR", "")  # empty: not set (no-color.org)
    assert cli._colour("auto") is True


def test_folder_rows_are_file_and_line(tmp_path, capsys) -> None:
    data = tmp_path / "data"
    data.mkdir()
    rows = [f"{i * 1.37:.2f},{i * 7 % 13},{'ab'[i % 2]}" for i in range(40)]
    (data / "a.csv").write_text("x1,x2,label\n" + "\n".join(rows[:20]) + "\n")
    (data / "b.csv").write_text("x1,x2,label\n" + "\n".join([*rows[20:], rows[3], rows[25]]) + "\n")
    main(["scan", str(data), "--select", "duplicate-rows", "--color", "never"])
    out = capsys.readouterr().out
    a, b = (data / "a.csv").as_posix(), (data / "b.csv").as_posix()
    assert f"groups: [{a}:5, {b}:22]; [{b}:7, {b}:23]" in out
