"""The hostile-input corpus (tests/hostile/), each case through the CLI.

A gate runs on data nobody has looked at yet. Every case asserts the exact exit code and, for
exit 2, the exact one-line message; every run asserts that no traceback and no raw control
character reached stdout or stderr, and that no RuntimeWarning was raised (an error here).
Each scan runs in a thread with a deadline, so a scan that hangs (a FIFO being read) fails its
test instead of the suite. Cases that need FIFOs, symlinks or permissions are made at test time
(tests/hostile/make.py); the committed ones are copied out of the repository before scanning.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import threading
from pathlib import Path

import pytest

from preflight.cli import main

_spec = importlib.util.spec_from_file_location("hostile_make", Path(__file__).parent / "hostile" / "make.py")
make = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make)

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")  # all but \n
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
ROOT_SKIP = "runs as root: permission bits do not stop root, so this case cannot be made (the simulated twin runs)"
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")


def run(capsys, *argv, timeout: float = 300) -> tuple[int, str, str]:
    """main(argv) -> (exit code, stdout, stderr), checked for tracebacks and control characters."""
    result: dict = {}

    def target() -> None:
        try:
            result["code"] = main([str(a) for a in argv])
        except BaseException as exc:  # re-raised in the test's thread
            result["exc"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"preflight {' '.join(map(str, argv))} still runs after {timeout} s: it hangs"
    if "exc" in result:
        raise result["exc"]
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert not CONTROL.search(out + err), f"a raw control character reached the terminal: {out + err!r}"
    return result["code"], out, err


def error(capsys, *argv) -> str:
    """The one stderr line of a run that must exit 2."""
    code, out, err = run(capsys, *argv)
    assert code == 2, (code, out, err)
    assert err.startswith("preflight: error: ") and err.count("\n") == 1, err
    return err.rstrip("\n")


def findings(capsys, *argv, code: int = 1) -> dict:
    got, out, err = run(capsys, "scan", *argv, "--format", "json", "-q")
    assert got == code, (got, err)
    return json.loads(out)


def rules(report: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for f in report["findings"]:
        out.setdefault(f["rule"], []).append(f)
    return out


# --- security: terminals, symlinks, paths --------------------------------------------------------

def test_control_characters_from_data_are_escaped(tmp_path, capsys) -> None:
    data = make.copy("escape-names.csv", tmp_path)  # --fail-on never: the other rules' verdicts are not the point
    code, out, _ = run(capsys, "scan", data, "--fail-on", "never")
    assert code == 0
    assert r"1 constant feature(s): \x1b]0;pwned\x07\x1b[2Jb; drop them" in out
    assert r"3:y\x1b[31m" in out  # a class name
    code, out, _ = run(capsys, "scan", data, "--format", "github", "--fail-on", "never")
    assert code == 0 and r"constant feature(s): \x1b]0;pwned\x07\x1b[2Jb" in out


def test_parse_error_echoes_the_row_escaped(tmp_path, capsys) -> None:
    data = make.copy("escape-row.csv", tmp_path)
    assert error(capsys, "scan", data) == (
        rf"preflight: error: {data}: cannot read: line 3: expected 2 columns, got 3: 1,2,3\x1b[2J")


def test_table_folder_never_follows_links_out(tmp_path, capsys) -> None:
    folder = tmp_path / "data"
    make.table(folder)
    (tmp_path / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (tmp_path / "other.csv").write_text("a,label\n9,y\n")  # same columns: once merged in silence
    (folder / "p.csv").symlink_to(tmp_path / "passwd")
    (folder / "o.csv").symlink_to(tmp_path / "other.csv")
    (folder / "elsewhere").symlink_to(tmp_path, target_is_directory=True)
    (folder / "inside.csv").symlink_to(folder / "d.csv")  # a link inside the root is read
    report = findings(capsys, folder, "--fail-on", "never", code=0)
    assert report["dataset"]["rows"] == 6  # d.csv and its link inside; never other.csv
    assert "root:x" not in json.dumps(report)
    ignored = rules(report)["ignored-files"][0]
    assert ignored["severity"] == "info" and ignored["files"] == ["elsewhere/", "o.csv", "p.csv"]
    assert set(ignored["details"]["reasons"].values()) == {"symlink leaves the dataset root"}


def _image_table(tmp_path: Path, listed: str) -> Path:
    folder = make.images(tmp_path / "data", classes=("cat",), per_class=2)
    return make.table(folder, "list.csv", f"path,label\ncat/0.png,cat\n{listed},cat\n")


@pytest.mark.parametrize("listed", ["../outside.png", "{tmp}/outside.png", "link.png", "cat/../../outside.png"])
def test_image_col_paths_leaving_the_folder_are_refused(tmp_path, capsys, listed) -> None:
    (tmp_path / "outside.png").write_bytes(b"not an image, and not the dataset's")
    listed = listed.replace("{tmp}", str(tmp_path))
    table = _image_table(tmp_path, listed)
    (table.parent / "link.png").symlink_to(tmp_path / "outside.png")  # inside the folder, pointing out
    assert error(capsys, "scan", table, "--image-col", "path", "--no-cache") == (
        f"preflight: error: {table}: row 1 of column 'path' lists '{listed}', outside the dataset folder "
        f"{table.parent}; preflight opens only files inside it (set allow_outside_paths = true in the config "
        "to allow it).")
    (table.parent / "preflight.toml").write_text("allow_outside_paths = true\n")
    report = findings(capsys, table, "--image-col", "path", "--no-cache")
    assert rules(report)["unreadable-file"][0]["details"]["reason"] == "not-an-image"  # opened, on purpose


# --- data safety: outputs, unreadable parts ------------------------------------------------------

def test_output_never_goes_into_the_folder_of_a_scanned_file(tmp_path, capsys) -> None:
    data = make.table(tmp_path / "data")
    (data.parent / "stats.json").write_text("mine\n")
    for out in (data.parent, data.parent / "reports"):
        assert error(capsys, "scan", data, "-o", out) == (
            f"preflight: error: {out}: output folder is inside the scanned dataset {data.parent}; preflight "
            "never writes into the data it scans (choose another -o).")
    assert (data.parent / "stats.json").read_text() == "mine\n" and not (data.parent / "reports").exists()


def _locked_subfolder(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    make.table(folder)
    make.table(folder / "part2", "e.csv")
    return folder


def _unlistable(folder: Path) -> str:
    return (f"preflight: error: {folder / 'part2'}: cannot list this folder (permission denied); its data files "
            "would be left out (fix its permissions, or move it out of the dataset folder).")


@pytest.mark.skipif(AS_ROOT, reason=ROOT_SKIP)
def test_unreadable_subfolder_of_a_table_folder_is_exit_2(tmp_path, capsys) -> None:
    folder = _locked_subfolder(tmp_path)
    (folder / "part2").chmod(0)
    try:
        assert error(capsys, "scan", folder) == _unlistable(folder)
    finally:
        (folder / "part2").chmod(0o755)


def test_unreadable_subfolder_simulated(tmp_path, capsys, monkeypatch) -> None:
    folder = _locked_subfolder(tmp_path)
    real = os.scandir

    def scandir(path):  # what chmod 0 does for anyone but root
        if Path(path) == folder / "part2":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert error(capsys, "scan", folder) == _unlistable(folder)


def _dead_pid() -> int:
    """A process id no process has now (a killed writer's)."""
    for pid in range(4_000_000, 3_000_000, -1):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except OSError:
            continue
    raise AssertionError("no free pid found")


class Killed(BaseException):
    """SIGKILL, as far as the process can tell: nothing runs after it (click turns Ctrl-C into an exit)."""


def test_output_set_survives_a_kill_between_files(tmp_path, capsys, monkeypatch) -> None:
    from preflight import files
    from preflight.write import output

    data, out = make.table(tmp_path / "data"), tmp_path / "out"
    assert run(capsys, "scan", data, "-o", out, "-q")[0] == 0
    first = output.read_set(out)
    assert sorted(first) == ["findings.json", "report.html", "stats.json"]
    stale = out / f".report.html.{_dead_pid()}@{files._HOST}.00c0ffee.tmp"  # a killed run's leftover
    real, calls = output.write_atomic, []

    def killed(path, data, **kw):  # the process dies after the first file of the set is replaced
        calls.append(path.name)
        if len(calls) == 2:
            raise Killed
        real(path, data, **kw)

    monkeypatch.setattr(output, "write_atomic", killed)
    make.table(tmp_path / "data", text="a,label\n5,x\n6,y\n")  # new data: a new stats.json
    with pytest.raises(Killed):
        run(capsys, "scan", data, "-o", out, "-q")
    assert output.read_set(out) is None  # torn: the manifest is gone, a reader knows
    stale.write_text("half")  # and what a kill mid-write leaves behind
    monkeypatch.setattr(output, "write_atomic", real)
    assert run(capsys, "scan", data, "-o", out, "-q")[0] == 0
    second = output.read_set(out)
    assert sorted(second) == sorted(first) and second["stats.json"] != first["stats.json"]
    assert not stale.exists() and not [p for p in out.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o027, 0o640)])
def test_output_files_honour_the_umask(tmp_path, capsys, umask, mode) -> None:
    data, out = make.table(tmp_path / "data"), tmp_path / "out"
    old = os.umask(umask)
    try:
        assert run(capsys, "scan", data, "-o", out, "-q", "--write-baseline", tmp_path / "b.json")[0] == 0
    finally:
        os.umask(old)
    for path in [*out.iterdir(), tmp_path / "b.json"]:
        assert path.stat().st_mode & 0o777 == mode, path


# --- crashes that must be findings or exit 2 -------------------------------------------------------

@pytest.mark.parametrize("case", ["huge-cell.csv", "huge-columns.csv"])
def test_values_near_float64_limit_are_non_finite_findings(tmp_path, capsys, case) -> None:
    folder = tmp_path / "data"
    data = make.copy(case, folder) if case == "huge-cell.csv" else make.huge_columns(folder / case)
    report = findings(capsys, data, "-o", tmp_path / "out")
    found = rules(report)["non-finite-values"]
    assert found[0]["severity"] == "error" and "values beyond float32's range" in found[0]["message"]
    json.loads((tmp_path / "out" / "stats.json").read_text())  # finite, JSON-compliant stats


def test_regression_target_near_float64_limit(tmp_path, capsys) -> None:
    report = findings(capsys, make.huge_target(tmp_path / "data" / "t.csv"), "--task", "regression",
                      "-o", tmp_path / "out")
    assert rules(report)["missing-labels"][0]["count"] == 200  # no usable target value
    assert rules(report)["target-scale"][0]["message"] == "skipped: the target has no finite values"


def test_integers_beyond_2_53_are_profiled(tmp_path, capsys) -> None:
    import pyarrow.parquet as pq

    import preflight

    report = findings(capsys, make.copy("tweet-ids.csv", tmp_path / "data"), "--fail-on", "never",
                      "-o", tmp_path / "out", code=0)  # one constant-looking float: the report's histogram
    assert report["dataset"]["rows"] == 2
    parquet = make.uint64_parquet(tmp_path / "data" / "ids.parquet")
    report = findings(capsys, parquet, "--fail-on", "never", "-o", tmp_path / "out2", code=0)
    assert rules(report)["id-like-column"][0]["columns"] == ["h"]  # 50 distinct ids, though one float
    stats = preflight.load_stats(tmp_path / "out2" / "stats.json")  # the training side reads them too
    assert stats.transform(pq.read_table(parquet)).shape[0] == 50


def test_stray_carriage_returns_are_read_or_named(tmp_path, capsys) -> None:
    report = findings(capsys, make.copy("stray-cr.csv", tmp_path), "--fail-on", "never", code=0)
    assert report["dataset"]["rows"] == 3 and report["dataset"]["columns"] == 4
    data = make.copy("stray-cr-quoted.csv", tmp_path)
    assert error(capsys, "scan", data) == (
        rf"preflight: error: {data}: cannot read: line 2, character 7: a carriage return (\r) inside an unquoted "
        "field, which ends the row for the CSV reader (quote that field, or remove the character)")


def test_label_issues_skips_above_max_classes(tmp_path, capsys) -> None:
    data = make.many_classes(tmp_path / "data" / "d.csv", classes=12)
    (data.parent / "preflight.toml").write_text("[rules.label-issues]\nmax_classes = 10\n")
    report = findings(capsys, data, "--select", "label-issues", code=0)
    assert rules(report)["label-issues"][0]["message"] == (
        "skipped: 12 classes, more than max_classes=10: the models would hold a 36 x 12 probability matrix and a "
        "12 x 12 confident joint, with few rows per class to learn from (raise max_classes if the memory is there)")


def test_config_files_that_are_not_text(tmp_path, capsys) -> None:
    folder = make.copy("config-latin1", tmp_path)
    assert error(capsys, "scan", folder / "data.csv") == (
        f"preflight: error: {folder / 'preflight.toml'}: cannot read config: not valid UTF-8 text (TOML files are "
        "UTF-8; re-save it as UTF-8).")
    folder = make.binary_pyproject(tmp_path / "binary").parent  # no [tool.preflight]: not ours, skipped
    assert run(capsys, "scan", folder / "data.csv", "-q")[0] == 0
    assert error(capsys, "scan", folder / "data.csv", "--config", folder / "pyproject.toml") == (
        f"preflight: error: {folder / 'pyproject.toml'}: cannot read config: not valid UTF-8 text (TOML files "
        "are UTF-8; re-save it as UTF-8).")


def test_config_type_errors_name_the_file_and_key(tmp_path, capsys) -> None:
    folder = make.copy("config-type", tmp_path)
    assert error(capsys, "scan", folder / "data.csv") == (
        f"preflight: error: {folder / 'preflight.toml'}: The 'max_classes' parameter of preflight must be an int "
        ">= 2. Got 'ten'.")


def test_unwritable_outputs_fail_before_the_scan(tmp_path, capsys) -> None:
    bad = make.table(tmp_path / "data", text="a,b\n1,2\n3,4,5\n")  # the scan itself would fail: not reached
    afile = make.table(tmp_path / "elsewhere", "file.txt", "x")
    assert error(capsys, "scan", bad, "-o", afile) == (
        f"preflight: error: {afile}: -o needs a folder here, and this is a file (choose another path).")
    assert error(capsys, "scan", bad, "-o", afile / "out") == (
        f"preflight: error: {afile / 'out'}: -o cannot be created: {afile} is a file, not a folder.")
    assert error(capsys, "scan", bad, "--write-baseline", afile / "b.json") == (
        f"preflight: error: {afile}: --write-baseline needs a folder here, and this is a file (choose another path).")


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="no /proc on this platform")
def test_output_under_proc_fails_before_the_scan(tmp_path, capsys) -> None:
    bad = make.table(tmp_path / "data", text="a,b\n1,2\n3,4,5\n")
    message = error(capsys, "scan", bad, "-o", "/proc/preflight-out")
    assert message.startswith("preflight: error: /proc/preflight-out: -o is not writable (")
    assert message.endswith(" in /proc); choose another path.")


@pytest.mark.skipif(AS_ROOT, reason=ROOT_SKIP)
def test_read_only_output_folder_fails_before_the_scan(tmp_path, capsys) -> None:
    bad = make.table(tmp_path / "data", text="a,b\n1,2\n3,4,5\n")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    try:
        assert error(capsys, "scan", bad, "-o", locked / "out") == (
            f"preflight: error: {locked / 'out'}: -o is not writable (Permission denied in {locked}); "
            "choose another path.")
    finally:
        locked.chmod(0o755)


@needs_fifo
def test_fifos_are_never_opened(tmp_path, capsys) -> None:
    fifo = make.fifo(tmp_path / "in" / "data.csv")
    assert error(capsys, "scan", fifo) == (
        f"preflight: error: {fifo}: not a regular file (a FIFO, socket or device); preflight reads only regular "
        "files and folders of them.")
    images = make.images(tmp_path / "images")
    make.fifo(images / "cat" / "pipe.png")
    (images / "cat" / "link.png").symlink_to(tmp_path / "in" / "data.csv")  # a link to a FIFO, out of the root
    report = findings(capsys, images, "--no-cache", "--fail-on", "never", code=0)
    assert rules(report)["ignored-files"][0]["details"]["reasons"] == {
        "cat/link.png": "symlink leaves the dataset root",
        "cat/pipe.png": "not a regular file (a FIFO, socket or device)"}
    folder = tmp_path / "tables"
    make.table(folder)
    make.fifo(folder / "more.csv")
    report = findings(capsys, folder, "--fail-on", "never", code=0)
    assert rules(report)["ignored-files"][0]["files"] == ["more.csv"]
    listed = make.table(images, "list.csv", "path,label\ncat/0.png,cat\ncat/pipe.png,cat\n")
    for cache in (["--no-cache"], ["--cache-dir", tmp_path / "cache"]):  # the cache's stat index too
        report = findings(capsys, listed, "--image-col", "path", *cache)
        assert rules(report)["unreadable-file"][0]["details"]["reason"] == "not-a-file"
    data = make.table(tmp_path / "t")
    for flag in ("--config", "--baseline"):
        pipe = make.fifo(tmp_path / f"pipe{flag}")
        assert error(capsys, "scan", data, flag, pipe).startswith(f"preflight: error: {pipe}: cannot read")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero on this platform")
def test_a_device_as_path_is_not_a_regular_file(capsys) -> None:
    assert error(capsys, "scan", "/dev/zero") == (
        "preflight: error: /dev/zero: not a regular file (a FIFO, socket or device); preflight reads only regular "
        "files and folders of them.")


# --- clearer messages --------------------------------------------------------------------------------

def test_a_cell_over_32_mb_is_read(tmp_path, capsys) -> None:
    report = findings(capsys, make.big_cell(tmp_path / "big.csv"), "--fail-on", "never", code=0)
    assert report["dataset"]["rows"] == 2


def test_click_usage_errors_are_one_line(tmp_path, capsys) -> None:
    data = make.table(tmp_path / "data")
    assert error(capsys, "scan", data, "--config", tmp_path) == (
        f"preflight: error: Invalid value for '--config': File '{tmp_path}' is a directory. (see 'preflight scan -h')")
    assert error(capsys, "scan", data, "--cache-dir", data) == (
        f"preflight: error: Invalid value for '--cache-dir': Directory '{data}' is a file. (see 'preflight scan -h')")
