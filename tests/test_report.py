"""report.html: what a person opens. Views are pure data; the page is self-contained, escaped,
deterministic, and loads in a real headless Chromium without console errors."""
from __future__ import annotations

import base64
import io
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from preflight.cli import main
from preflight.findings import Finding
from preflight.pipeline import scan

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "fixtures" / "demo" / "customers.csv"
IMAGES = ROOT / "fixtures" / "images"
TABLE_SECTIONS = {"summary", "findings", "classes", "features", "outliers", "duplicates", "label-issues"}
IMAGE_SECTIONS = {"summary", "findings", "classes", "splits", "duplicates", "label-issues", "channels",
                  "thumbnails"}
CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)


def _outlier_table(tmp_path: Path) -> Path:
    """60 ordinary rows, row 7 with an absurd income, and a cell that tries to inject markup."""
    lines = ["age,income,city,label"]
    for i in range(60):
        city = "<script>alert(1)</script>" if i in (3, 4) else ["Oslo", "Paris", "Rome"][i % 3]
        income = 1e9 if i == 7 else 30000 + (i * 7919) % 5000
        lines.append(f"{20 + (i * 37) % 40},{income},{city},{'ab'[i % 2]}")
    lines.append(lines[4])  # a duplicate of row 3 (same cells): shown in the duplicates table
    path = tmp_path / "data" / "t.csv"
    path.parent.mkdir()
    path.write_text("\n".join(lines) + "\n")
    return path


def _render(path: Path, out: Path, *extra: str) -> str:
    assert main(["scan", str(path), "-o", str(out), "-q", "--fail-on", "never", *extra]) == 0
    return (out / "report.html").read_text(encoding="utf-8")


def test_views_are_plain_data_and_stay_out_of_findings_json() -> None:
    plain = scan(DEMO)
    with_views = scan(DEMO, views=True)
    assert plain.views is None and with_views.views is not None
    assert with_views.to_dict() == plain.to_dict()  # findings.json never carries the views
    views = json.loads(json.dumps(with_views.views, allow_nan=False))
    assert views["summary"]["verdict"] == "FAIL" and views["summary"]["counts"] == plain.summary()
    income = next(f for f in views["features"] if f["name"] == "income")
    assert sum(income["before"]["counts"]) == sum(income["after"]["counts"]) == 408
    assert income["before"]["counts"][0] > 400  # the raw tail squeezes nearly everything into one bin...
    assert max(income["after"]["counts"]) < 150  # ...which log1p-standardize spreads out
    assert [r["name"] for r in views["classes"]["rows"]] == ["no", "yes"]
    assert views["classes"]["rows"][1]["weight"] == "5.8"
    dup = next(d for d in views["duplicates"] if d["rule"] == "duplicate-rows")
    assert [r["row"] for r in dup["groups"][0]["rows"]] == [10, 400, 403]
    near = next(d for d in views["duplicates"] if d["rule"] == "near-duplicates")
    header = near["header"]["names"]
    hot = dict(zip(header, near["groups"][0]["rows"][0]["hot"]))
    assert hot["customer_id"] and hot["monthly_spend"] and not hot["city"]  # what differs is highlighted
    issues = views["label_issues"]["entries"]
    worst = plain.by_rule("label-issues")[0].details["issues"][0]
    assert (issues[0]["row"], issues[0]["given"], issues[0]["suggested"]) == (
        worst["row"], worst["given"], worst["suggested"])
    assert issues[0]["cells"][0] == worst["given"]  # the row's own values, label first
    scores = [float(i["score"]) for i in issues]
    assert scores == sorted(scores)  # worst (lowest label quality) first


def test_cli_writes_report_html_and_no_report_skips_it(tmp_path) -> None:
    html = _render(DEMO, tmp_path / "a")
    assert html.startswith("<!doctype html>") and "customers.csv" in html
    assert main(["scan", str(DEMO), "-o", str(tmp_path / "b"), "-q", "--fail-on", "never", "--no-report"]) == 0
    assert sorted(p.name for p in (tmp_path / "b").iterdir() if p.suffix) == ["findings.json", "manifest.json",
                                                                              "stats.json"]
    assert (tmp_path / "a" / "findings.json").read_text() == (tmp_path / "b" / "findings.json").read_text()


def test_report_is_self_contained_escaped_and_deterministic(tmp_path) -> None:
    data = _outlier_table(tmp_path)
    html = _render(data, tmp_path / "a")
    assert html == _render(data, tmp_path / "b")  # same data, same bytes
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", html)
    outliers = scan(data, views=True).views["outliers"]
    assert outliers["rows"][0]["row"] == 7 and outliers["rows"][0]["extra"][1] == "income"
    assert dict(zip(outliers["header"]["names"], outliers["rows"][0]["hot"]))["income"]


def test_image_report_thumbnails_are_real_pngs_and_deterministic(tmp_path) -> None:
    from PIL import Image

    html = _render(IMAGES, tmp_path / "a")
    assert html == _render(IMAGES, tmp_path / "b")
    sources = re.findall(r'<img src="([^"]+)"', html)
    assert len(sources) >= 10 and all(s.startswith("data:image/png;base64,") for s in sources)
    for s in set(sources):
        with Image.open(io.BytesIO(base64.b64decode(s.split(",", 1)[1]))) as img:
            assert img.format == "PNG" and max(img.size) <= 96
    views = scan(IMAGES, views=True).views
    assert views["images"]["channels"][0]["name"] == "R" and views["images"]["swatch"].startswith("#")
    unreadable = next(b for b in views["images"]["flagged"] if b["rule"] == "unreadable-file")
    assert {m["problem"] for m in unreadable["members"]} == {
        "unreadable: too-large", "unreadable: empty", "unreadable: not-an-image", "unreadable: truncated"}
    assert all(m["thumb"] is None for m in unreadable["members"])  # never decoded again


def test_image_label_issues_show_thumbnails_worst_first() -> None:
    from preflight.decide.config import load_config
    from preflight.profile.images import build_image_profile
    from preflight.progress import Progress
    from preflight.report.views import build_views

    config = load_config(IMAGES, overrides={})
    profile = build_image_profile(IMAGES, settings=config.settings, label=config.label, task=config.task,
                                  progress=Progress(False))
    cat = profile.files.index("train/cat/001.png")
    dog = profile.files.index("train/dog/002.png")
    finding = Finding("label-issues", "PF304", "warning", "2 rows look mislabeled", count=2, rows=(dog, cat),
                      details={"issues": [{"row": cat, "given": "cat", "suggested": "dog", "score": 0.2},
                                          {"row": dog, "given": "dog", "suggested": "bird", "score": 0.01}]})
    views = build_views(profile, [finding], {}, path=str(IMAGES), exit_code=0, fail_on="never")
    entries = views["label_issues"]["entries"]
    assert [e["file"] for e in entries] == ["train/dog/002.png", "train/cat/001.png"]
    assert entries[0]["suggested"] == "bird" and entries[0]["thumb"] in views["thumbs"]


# --- in a real browser ----------------------------------------------------------------------------

class _Dom(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.h2: list[str] = []
        self.imgs = 0
        self._in_h2 = False

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        self._in_h2 = tag == "h2"
        self.imgs += tag == "img"

    def handle_endtag(self, tag) -> None:
        self._in_h2 = self._in_h2 and tag != "h2"

    def handle_data(self, data) -> None:
        if self._in_h2:
            self.h2.append(data.strip())


def _chromium(page: Path, tmp: Path, *mode: str) -> tuple[str, list[str]]:
    """Run headless Chromium on a file; returns (stdout, the page's console messages)."""
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp / 'chromium-profile'}", "--enable-logging=stderr", "--v=0",
         "--hide-scrollbars", *mode, page.as_uri()],
        capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, [line for line in done.stderr.splitlines() if ":CONSOLE" in line]


needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed "
                                    "(apt-get install -y chromium); the in-browser report test needs it")


@needs_chromium
def test_console_check_catches_a_broken_page(tmp_path) -> None:
    page = tmp_path / "broken.html"
    page.write_text("<!doctype html><p>x</p><script>console.error('boom'); nope();</script>")
    _, console = _chromium(page, tmp_path, "--dump-dom")
    assert any("boom" in line for line in console) and any("nope" in line for line in console)


@needs_chromium
@pytest.mark.parametrize("dataset,sections,headings", [
    (DEMO, TABLE_SECTIONS, ["Findings", "Classes & initialisation",
                            "Numeric features: before and after the recommended transform", "Outliers",
                            "Duplicates and near-duplicates", "Suspected label errors"]),
    (IMAGES, IMAGE_SECTIONS, ["Findings", "Classes & initialisation", "Splits: each held-out split against train",
                              "Duplicates and near-duplicates", "Suspected label errors", "Channels",
                              "Flagged images"]),
], ids=["table", "images"])
def test_report_opens_in_chromium_without_console_errors(tmp_path, dataset, sections, headings) -> None:
    from PIL import Image, ImageStat

    out = tmp_path / "out"
    _render(dataset, out)
    page = out / "report.html"
    dom, console = _chromium(page, tmp_path, "--dump-dom")
    assert console == [], console  # no errors, no CSP violations (the page may not fetch anything)
    parsed = _Dom()
    parsed.feed(dom)
    assert sections <= parsed.ids
    assert parsed.h2 == headings
    if dataset == IMAGES:
        assert parsed.imgs >= 10
    shot = tmp_path / "report.png"
    _, console = _chromium(page, tmp_path, f"--screenshot={shot}", "--window-size=1280,2400")
    assert console == [], console
    with Image.open(shot) as img:
        assert img.size == (1280, 2400)
        assert max(ImageStat.Stat(img.convert("L")).stddev) > 20  # something is drawn, not a blank page
