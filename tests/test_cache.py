"""The image cache: same bytes out, changed files re-decoded, damage ignored, never inside the data."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import preflight
from preflight.cli import main
from preflight.profile import image_cache, images

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def data(tmp_path: Path) -> Path:
    root = tmp_path / "imgs"
    shutil.copytree(ROOT / "fixtures" / "images", root)
    return root


@pytest.fixture
def decoded(monkeypatch) -> list[str]:
    """Paths actually decoded (workers=1 decodes in this process)."""
    seen: list[str] = []
    real = images.analyze_chunk

    def counting(paths, max_pixels):
        seen.extend(paths)
        return real(paths, max_pixels)

    monkeypatch.setattr(images, "analyze_chunk", counting)
    return seen


def _scan(data: Path, cache: Path | None) -> tuple[str, str]:
    opts = {"cache_dir": str(cache)} if cache else {"cache": False}
    report = preflight.scan(data, workers=1, **opts)
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
    assert _scan(data, cache) == plain and decoded                # everything decoded again
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
