"""The image cache: same bytes out, changed files re-decoded, damage ignored, never inside the data.

Also the stat shortcut (preflight.profile.file_hashes): an unchanged file is not read again,
a touched or rewritten one is hashed again, a file written just before the scan is not trusted."""
from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import preflight
from preflight.cli import main
from preflight.profile import file_hashes, image_cache, images

ROOT = Path(__file__).resolve().parent.parent


def _copy(tmp_path: Path, fixture: str) -> Path:
    shutil.copytree(ROOT / "fixtures" / fixture, tmp_path / fixture)
    return tmp_path / fixture


def _recorded(monkeypatch, module, name: str, record) -> list:
    """Wrap module.name so each call first appends record(*args) to the returned list."""
    seen: list = []
    real = getattr(module, name)

    def recording(*args):
        seen.extend(record(*args))
        return real(*args)

    monkeypatch.setattr(module, name, recording)
    return seen


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return _copy(tmp_path, "images")


@pytest.fixture
def decoded(monkeypatch) -> list[str]:
    """Paths actually decoded (workers=1 decodes in this process)."""
    return _recorded(monkeypatch, images, "analyze_chunk", lambda paths, max_pixels: paths)


@pytest.fixture
def hashed(monkeypatch) -> list[str]:
    """Paths whose bytes were read to hash them (the stat shortcut skips the others)."""
    return _recorded(monkeypatch, file_hashes, "hash_file", lambda path: [path])


@pytest.fixture
def trusting(monkeypatch) -> None:
    """Trust files written just now: the fixtures are copied a moment before each scan.

    Safe here: every change a test makes comes after a whole scan, many clock ticks later."""
    monkeypatch.setattr(file_hashes, "RACY_NS", 0)


def _scan(data: Path, cache: Path | None, notes: list[str] | None = None, **options) -> tuple[str, str]:
    opts = {"cache_dir": str(cache)} if cache else {"cache": False}
    report = preflight.scan(data, workers=1, **opts, **options)
    if notes is not None:
        notes.extend(report.notes)
    return json.dumps(report.to_dict(), sort_keys=True), json.dumps(report.stats, sort_keys=True)


def test_rescan_is_byte_identical_and_decodes_nothing(data, tmp_path, decoded) -> None:
    cache = tmp_path / "cache"
    plain = _scan(data, None)
    n = len(decoded)
    assert _scan(data, cache) == plain and len(decoded) == 2 * n
    assert len(list((cache / "images").glob("seg-*.npz"))) == 1
    assert _scan(data, cache) == plain
    unreadable = [p for p in decoded[n:] if "empty.jpg" in p]   # a 0-byte file hashes fine: cached too
    assert len(decoded) == 2 * n and unreadable


def test_changed_file_is_decoded_again(data, tmp_path, decoded) -> None:
    cache = tmp_path / "cache"
    _scan(data, cache)
    target = data / "train" / "cat" / "000.png"
    with Image.open(target) as img:
        pixels = np.asarray(img.convert("RGB")).copy()
    Image.fromarray(255 - pixels).save(target)
    decoded.clear()
    cached = _scan(data, cache)
    assert decoded == [str(target)]
    assert cached == _scan(data, None)


def test_corrupt_segment_is_ignored_and_rewritten(data, tmp_path, decoded) -> None:
    cache = tmp_path / "cache"
    plain = _scan(data, cache)
    (seg,) = (cache / "images").glob("seg-*.npz")
    seg.write_bytes(seg.read_bytes()[: seg.stat().st_size // 2])   # truncated mid-write
    (cache / "images" / "seg-junk.npz").write_bytes(b"not a zip")
    decoded.clear()
    notes: list[str] = []
    assert _scan(data, cache, notes) == plain and decoded         # everything decoded again
    assert sorted(n.split(" ignored")[0] for n in notes) == [
        f"warning: damaged cache file {p}" for p in sorted([cache / "images" / "seg-junk.npz", seg])]
    segs = list((cache / "images").glob("seg-*.npz"))
    assert len(segs) == 1 and segs[0] != seg
    decoded.clear()
    assert _scan(data, cache) == plain and decoded == []


def test_segments_are_merged(data, tmp_path, monkeypatch, decoded) -> None:
    monkeypatch.setattr(image_cache, "MAX_SEGMENTS", 2)
    cache = tmp_path / "cache"
    for i in range(4):
        Image.new("RGB", (20, 20), (i * 40, 10, 10)).save(data / "train" / "cat" / f"new{i}.png")
        _scan(data, cache)
        assert len(list((cache / "images").glob("seg-*.npz"))) <= 2
    decoded.clear()
    assert _scan(data, cache) == _scan(data, None)
    assert len(decoded) == len(set(decoded))  # only the no-cache scan decoded


def test_cache_is_never_written_into_the_dataset(data, tmp_path, monkeypatch, capsys) -> None:
    before = sorted(str(p) for p in data.rglob("*"))
    monkeypatch.chdir(data)                    # default .preflight/cache would land inside the data
    assert main(["scan", ".", "--fail-on", "never"]) == 0
    assert "the cache is off for this scan" in capsys.readouterr().err
    assert main(["scan", str(data), "--fail-on", "never", "--cache-dir", str(data / "c")]) == 0
    assert "inside the scanned dataset" in capsys.readouterr().err
    assert sorted(str(p) for p in data.rglob("*")) == before


def test_default_cache_folder_and_no_cache(data, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    assert main(["scan", str(data), "-q", "--fail-on", "never", "--no-cache", "-o", str(out)]) == 0
    assert not (out / "cache").exists() and not (tmp_path / ".preflight").exists()
    assert main(["scan", str(data), "-q", "--fail-on", "never", "-o", str(out)]) == 0
    assert list((out / "cache" / "images").glob("seg-*.npz"))
    assert main(["scan", str(data), "-q", "--fail-on", "never"]) == 0
    assert list((tmp_path / ".preflight" / "cache" / "images").glob("seg-*.npz"))


def test_stat_shortcut_reads_only_touched_files(data, tmp_path, decoded, hashed, trusting) -> None:
    cache = tmp_path / "cache"
    plain = _scan(data, None, ignore=["label-issues"])
    images_count = len(decoded)
    decoded.clear()
    assert _scan(data, cache, ignore=["label-issues"]) == plain
    assert len(hashed) == len(decoded) == images_count
    hashed.clear(), decoded.clear()
    assert _scan(data, cache, ignore=["label-issues"]) == plain and hashed == [] and decoded == []
    target = data / "train" / "dog" / "000.png"
    st = target.stat()
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))   # touched, same bytes
    assert _scan(data, cache, ignore=["label-issues"]) == plain
    assert hashed == [str(target)] and decoded == []                          # hashed again, still a hit
    hashed.clear()
    assert _scan(data, cache, ignore=["label-issues"]) == plain and hashed == []


def test_rewrite_with_same_size_and_mtime_is_caught(data, tmp_path, decoded, hashed, trusting) -> None:
    """cp -p and rsync -t set the mtime back: ctime still moves, so the file is read again."""
    target = data / "train" / "dog" / "same.bmp"
    Image.new("RGB", (24, 24), (200, 30, 30)).save(target)    # BMP: same size for any colour
    cache = tmp_path / "cache"
    _scan(data, cache, ignore=["label-issues"])
    before = target.stat()
    Image.new("RGB", (24, 24), (30, 30, 200)).save(target)
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = target.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)
    hashed.clear(), decoded.clear()
    cached = _scan(data, cache, ignore=["label-issues"])
    assert hashed == decoded == [str(target)]
    assert cached == _scan(data, None, ignore=["label-issues"])


def test_files_written_just_before_a_scan_are_not_trusted(data, tmp_path, hashed, decoded, monkeypatch) -> None:
    """Time stamps come from a coarse clock: a file as new as the scan could change unseen."""
    cache = tmp_path / "cache"
    _scan(data, cache, ignore=["label-issues"])
    n = len(hashed)
    hashed.clear(), decoded.clear()
    _scan(data, cache, ignore=["label-issues"])
    assert len(hashed) == n and decoded == []   # all copied a moment ago: read again, still no decode
    monkeypatch.setattr(file_hashes, "RACY_NS", 0)
    _scan(data, cache, ignore=["label-issues"])  # now trusted, and recorded
    hashed.clear()
    _scan(data, cache, ignore=["label-issues"])
    assert hashed == []


def test_changed_settings_invalidate_only_what_they_change(data, tmp_path, decoded, trusting) -> None:
    cache = tmp_path / "cache"
    opts = {"ignore": ["label-issues"]}
    default = _scan(data, cache, **opts)
    n = len(decoded)
    decoded.clear()
    small = _scan(data, cache, max_image_pixels=64 * 64, **opts)      # a signal setting: decode again
    assert len(decoded) == n and small != default and small == _scan(data, None, max_image_pixels=64 * 64, **opts)
    decoded.clear()
    assert _scan(data, cache, max_image_pixels=64 * 64, **opts) == small and decoded == []
    _scan(data, cache, image_hash_radius=2, **opts)                   # a check setting: no decode
    assert _scan(data, cache, **opts) == default and decoded == []    # the other setup's segment is kept


def test_corrupt_index_is_ignored_with_a_warning(data, tmp_path, hashed, trusting, capsys) -> None:
    cache = tmp_path / "cache"
    plain = _scan(data, cache, ignore=["label-issues"])
    (index,) = (cache / "images").glob("files-*.npz")
    index.write_bytes(index.read_bytes()[:100])
    n = len(hashed)
    hashed.clear()
    notes: list[str] = []
    assert _scan(data, cache, notes, ignore=["label-issues"]) == plain
    assert len(notes) == 1 and notes[0].startswith(f"warning: damaged cache file {index} ignored and deleted (")
    assert len(hashed) == n   # every file read again
    hashed.clear()
    assert _scan(data, cache, ignore=["label-issues"]) == plain and hashed == []   # rewritten whole
    np.savez(index, format=np.array("preflight-file-hashes/1"), path=np.array(["x"]),
             ids=np.zeros((1, 2), np.uint64), times=np.zeros((2, 3), np.int64), digest=np.zeros((1, 16), np.uint8))
    assert main(["scan", str(data), "--fail-on", "never", "--cache-dir", str(cache), "--ignore", "label-issues",
                 "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == json.loads(plain[0])
    assert captured.err.startswith(f"preflight: warning: damaged cache file {index} ignored and deleted "
                                   "(ValueError: arrays of the wrong type or shape)")


def test_cached_rescan_writes_the_same_bytes(data, tmp_path, monkeypatch, trusting) -> None:
    """Every rule, through the CLI: findings.json, stats.json, report.html and stdout, first scan vs rescan."""
    monkeypatch.chdir(tmp_path)
    runs = {}
    for name, extra in (("plain", ["--no-cache"]), ("first", []), ("again", [])):
        out = tmp_path / name
        stdout = io.StringIO()
        with contextlib.redirect_stdout(stdout):
            assert main(["scan", str(data), "-q", "--fail-on", "never", "--format", "json", "-o", str(out),
                         "--cache-dir", str(tmp_path / "cache"), *extra]) == 0
        runs[name] = [stdout.getvalue().encode()] + [(out / f).read_bytes() for f in
                                                     ("findings.json", "stats.json", "report.html")]
    assert runs["first"] == runs["again"] == runs["plain"]
    rules = {f["rule"] for f in json.loads(runs["again"][0])["findings"]}
    assert {"duplicate-images", "split-leakage", "unreadable-file", "dark", "blurry", "image-size-mismatch"} <= rules


def test_index_is_rewritten_only_when_something_changed(tmp_path, monkeypatch, trusting) -> None:
    root = tmp_path / "files"
    root.mkdir()
    for name in "abc":
        (root / name).write_bytes(name.encode() * 10)
    paths = [str(root / n) for n in ("a", "b", "c", "missing")]
    unreadable = str(root / "c")
    real = file_hashes.hash_file
    monkeypatch.setattr(file_hashes, "hash_file", lambda p: None if p == unreadable else real(p))
    index, notes = tmp_path / "cache" / "files-x.npz", []
    first = file_hashes.content_digests(paths, root, index, notes)
    assert first == [real(paths[0]), real(paths[1]), None, None] and first[0] != first[1]
    inode = index.stat().st_ino                                   # os.replace: a rewrite is a new inode
    assert file_hashes.content_digests(paths, root, index, notes) == first and index.stat().st_ino == inode
    assert file_hashes.content_digests(paths[:1], root, index, notes) == first[:1]   # b is gone: rewritten
    assert index.stat().st_ino != inode and notes == []
    with np.load(index) as z:
        assert z["path"].tolist() == ["a"]                        # relative to the root
    np.savez(index, format=np.array("preflight-file-hashes/0"))  # another version's index: no warning
    assert file_hashes.content_digests(paths, root, index, notes) == first and notes == []


def test_cache_files_that_cannot_be_read_are_left_alone(data, tmp_path, trusting) -> None:
    """A folder where a cache file should be (or a file it may not open): a warning, never a crash."""
    cache = tmp_path / "cache"
    plain = _scan(data, None, ignore=["label-issues"])
    (cache / "images" / "seg-0.npz").mkdir(parents=True)
    (cache / "images" / file_hashes.index_name(data)).mkdir()
    notes: list[str] = []
    assert _scan(data, cache, notes, ignore=["label-issues"]) == plain
    index, segment = cache / "images" / file_hashes.index_name(data), cache / "images" / "seg-0.npz"
    expected = [f"warning: cache file {index} cannot be read (IsADirectoryError: ",
                f"cache index not written to {index}: [Errno 21] Is a directory",
                f"warning: cache file {segment} cannot be read (IsADirectoryError: "]
    assert len(notes) == 3 and all(n.startswith(e) for n, e in zip(notes, expected)), notes
    assert segment.is_dir() and index.is_dir()
    assert _scan(data, cache, ignore=["label-issues"]) == plain


@pytest.fixture
def outlier_data(tmp_path: Path) -> Path:
    return _copy(tmp_path, "images_outliers")


@pytest.fixture
def searched(monkeypatch) -> list[int]:
    """Sizes of the neighbour searches actually run (a memoised result runs none)."""
    from preflight.profile import image_neighbours

    return _recorded(monkeypatch, image_neighbours, "neighbour_distance", lambda x, ref, k: [len(x)])


def _outlier_files(scanned: str) -> list[str]:
    return [f for x in json.loads(scanned)["findings"] if x["rule"] == "outliers" for f in x["files"]]


def test_neighbour_distances_are_memoised_per_content(outlier_data, tmp_path, searched, trusting) -> None:
    cache = tmp_path / "cache"
    plain = _scan(outlier_data, None)
    assert _outlier_files(plain[0]) == ["cat/noise.png", "dog/shapes.png"] and searched == [38]
    assert _scan(outlier_data, cache) == plain and searched == [38, 38]
    memo = list((cache / "derived").glob("image-neighbours-*.npz"))
    assert len(memo) == 1
    assert _scan(outlier_data, cache) == plain and searched == [38, 38]   # loaded, not searched
    (outlier_data / "bird" / "000.png").unlink()                            # another dataset: searched again
    assert _scan(outlier_data, cache) == _scan(outlier_data, None) and searched == [38, 38, 37, 37]
    assert len(list((cache / "derived").glob("image-neighbours-*.npz"))) == 2


def test_damaged_memo_is_deleted_and_recomputed(outlier_data, tmp_path, searched, trusting) -> None:
    cache = tmp_path / "cache"
    plain = _scan(outlier_data, cache)
    (memo,) = (cache / "derived").glob("image-neighbours-*.npz")
    np.savez(memo, value=np.zeros(3))   # loads, but the wrong shape: as bad as a torn file
    notes: list[str] = []
    assert _scan(outlier_data, cache, notes) == plain and searched == [38, 38]
    assert [n.split(" ignored")[0] for n in notes] == [f"warning: damaged cache file {memo}"]
    assert memo.exists() and _scan(outlier_data, cache) == plain and searched == [38, 38]


def test_memo_keeps_the_newest_few(tmp_path) -> None:
    from preflight.profile import memo

    notes: list[str] = []
    for i in range(memo.KEEP + 3):
        value = memo.memoised(tmp_path, "kind", [bytes([i])], lambda i=i: np.full(2, float(i)), (2,), notes)
        assert value.tolist() == [i, i]
        os.utime(next(p for p in (tmp_path / "derived").glob("kind-*.npz")
                      if np.load(p)["value"][0] == i), (i, i))  # mtimes in write order, whatever the clock
    kept = sorted(float(np.load(p)["value"][0]) for p in (tmp_path / "derived").glob("kind-*.npz"))
    assert kept == [float(i) for i in range(3, memo.KEEP + 3)] and notes == []
    again = memo.memoised(tmp_path, "kind", [bytes([memo.KEEP + 2])], lambda: np.zeros(2), (2,), notes)
    assert again.tolist() == [memo.KEEP + 2] * 2   # stored, so compute is not called
