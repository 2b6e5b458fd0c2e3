"""The docs: generated parts are fresh, links stay inside the repository and resolve, and the
reference pages name every command, flag, config key and JSON field the code has."""
from __future__ import annotations

import importlib.util
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import preflight

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted(DOCS.glob("*.md")), ROOT / "benchmarks" / "RESULTS.md"]
GOLDEN = ROOT / "tests" / "golden"

_spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
gen_docs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen_docs)


# --- generated docs ------------------------------------------------------------------------------

def test_generated_docs_are_fresh() -> None:
    stale = gen_docs.stale()
    assert not stale, f"stale generated docs {stale}: run `python scripts/gen_docs.py` and commit the result"


def _copy_checkout(tmp_path: Path) -> Path:
    root = tmp_path / "checkout"
    root.mkdir()
    for rel in ("README.md", "docs", "rules"):
        src = ROOT / rel
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / rel)
    return root


def test_check_names_each_stale_file_and_the_generator_fixes_it(tmp_path, capsys) -> None:
    root = _copy_checkout(tmp_path)
    readme = (root / "README.md").read_text()
    (root / "README.md").write_text(readme.replace("| PF201 |", "| PF299 |"))
    (root / "docs" / "rules.md").unlink()
    assert gen_docs.main(["--check", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert "README.md: stale" in err and "docs/rules.md: stale" in err and "docs/config.md" not in err
    assert gen_docs.main(["--root", str(root)]) == 0
    assert gen_docs.main(["--check", "--root", str(root)]) == 0
    assert (root / "README.md").read_text() == readme
    assert (root / "docs" / "rules.md").read_text() == (DOCS / "rules.md").read_text()


def test_a_rule_pack_change_makes_the_docs_stale(tmp_path, capsys) -> None:
    root = _copy_checkout(tmp_path)
    pack = root / "rules" / "default.toml"
    pack.write_text(pack.read_text().replace('[rules.rare-class]\nseverity = "warning"',
                                             '[rules.rare-class]\nseverity = "error"'))
    assert gen_docs.main(["--check", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert "README.md: stale" in err and "docs/rules.md: stale" in err


def test_missing_markers_are_named(tmp_path, capsys) -> None:
    root = _copy_checkout(tmp_path)
    config = root / "docs" / "config.md"
    config.write_text(config.read_text().replace("<!-- settings:end -->", ""))
    assert gen_docs.main(["--check", "--root", str(root)]) == 1
    assert "docs/config.md: needs one '<!-- settings:start -->'" in capsys.readouterr().err
    assert gen_docs.main(["--root", str(root)]) == 2


def test_rule_pack_blocks_are_verbatim_and_complete() -> None:
    import tomllib

    text = (ROOT / "rules" / "default.toml").read_text()
    pack = tomllib.loads(text)
    blocks = gen_docs.pack_blocks(text)
    assert set(blocks) == {"settings"} | {f"rules.{name}" for name in pack["rules"]}
    for key, block in blocks.items():
        assert block in text
        parsed = tomllib.loads(block)
        assert (parsed["settings"] if key == "settings" else parsed["rules"][key[6:]]) == \
            (pack["settings"] if key == "settings" else pack["rules"][key[6:]])
    assert "image rules" not in blocks["rules.target-scale"], "a section divider belongs to no rule"


# --- links ---------------------------------------------------------------------------------------

_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.S | re.M)
_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_INLINE = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.M)
_HTML = re.compile(r"\b(?:href|src)\s*=\s*[\"']([^\"']*)[\"']", re.I)
_BARE = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+", re.I)


def prose(markdown: str) -> str:
    """The text a reader sees as prose: no fenced blocks, code spans or comments."""
    return _CODE.sub("", _FENCE.sub("", _COMMENT.sub("", markdown)))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for heading in re.findall(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", _FENCE.sub("", markdown), re.M):
        base = slug(heading)
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out


def links(markdown: str) -> Iterator[str]:
    text = prose(markdown)
    for pattern in (_INLINE, _REFERENCE, _HTML):
        yield from pattern.findall(text)
    yield from _BARE.findall(text)


def link_problems(page: Path, markdown: str, root: Path = ROOT) -> list[str]:
    """Why each link of the page is wrong: leaving the repository, or pointing at nothing."""
    out = []
    for target in links(markdown):
        path, _, fragment = target.partition("#")
        if re.match(r"[a-z][a-z0-9+.-]*:|//|www\.", target, re.I):
            out.append(f"{target}: links outside the repository")
        elif path.startswith("/") or ".." in Path(path).parts:
            out.append(f"{target}: leaves its folder (no absolute or ../ links; name the file in backticks)")
        else:
            dest = (page.parent / path).resolve() if path else page
            if not dest.exists():
                out.append(f"{target}: no such file")
            elif root.resolve() not in (dest, *dest.parents):
                out.append(f"{target}: outside the repository")
            elif fragment and (dest.suffix != ".md" or fragment not in anchors(dest.read_text())):
                out.append(f"{target}: no heading with anchor #{fragment} in {dest.name}")
    return out


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_stay_inside_the_repository_and_resolve(page: Path) -> None:
    assert page.is_file()
    problems = link_problems(page, page.read_text(encoding="utf-8"))
    assert not problems, f"{page.relative_to(ROOT)}:\n" + "\n".join(problems)


def test_link_checker_catches_what_it_should(tmp_path) -> None:
    page = tmp_path / "page.md"
    (tmp_path / "other.md").write_text("# Other\n\n## Some `code` here\n")
    text = """# Page

[ok](other.md) [ok anchor](other.md#some-code-here) [self](#page) ![img](other.md)
[web](https://example.com) <https://example.com/x> see www.example.com or http://example.com
[up](../x.md) [abs](/etc/passwd) [gone](missing.md) [bad anchor](other.md#nope)
[ref]: mailto:someone@example.com
<a href="http://example.com">x</a>

```yaml
repo: https://example.com/not-a-link   # inside a code block
[no](no.md)
```
and `https://example.com/in-code` is code too.
"""
    page.write_text(text)
    problems = link_problems(page, text, root=tmp_path)
    bad = ["https://example.com", "https://example.com/x", "www.example.com", "http://example.com", "../x.md",
           "/etc/passwd", "missing.md", "other.md#nope", "mailto:someone@example.com"]
    assert all(any(p.startswith(b) for p in problems) for b in bad), problems
    assert not any(p.startswith(("other.md: ", "other.md#some-code-here: ", "#page: ")) for p in problems), problems
    assert not any("not-a-link" in p or "no.md" in p or "in-code" in p for p in problems), problems


# --- README --------------------------------------------------------------------------------------

def test_readme_output_excerpt_is_the_demo_output() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Reading the output", 1)[1].split("\n## ", 1)[0]
    excerpt = re.search(r"```text\n(.*?)```", section, re.S).group(1).splitlines()
    golden = (GOLDEN / "demo.txt").read_text().splitlines()
    assert excerpt and all(line in golden for line in excerpt), "README's output excerpt is not tests/golden/demo.txt"


def test_readme_stays_short() -> None:
    assert len((ROOT / "README.md").read_text().splitlines()) <= 250, "the README is for users: move detail to docs/"


# --- reference pages name what the code has ---------------------------------------------------------

def _named(page: str, names: set[str]) -> list[str]:
    """The names that appear in none of the page's code spans (fenced examples do not count)."""
    spans = " ".join(m.group(0) for m in _CODE.finditer(_FENCE.sub("", (DOCS / page).read_text())))
    tokens = set(re.findall(r"[A-Za-z_][A-Za-z0-9_-]*", spans))
    return sorted(names - tokens)


def test_cli_doc_names_every_command_and_flag() -> None:
    from preflight.cli import cli

    text = (DOCS / "cli.md").read_text()
    missing = [f"preflight {name}" for name in cli.commands if f"`preflight {name}" not in text]
    for command in cli.commands.values():
        missing += [opt for p in command.params for opt in p.opts
                    if opt.startswith("-") and opt not in ("-h", "--help") and f"`{opt}" not in text]
    assert not missing, f"docs/cli.md does not document {missing}"


def test_config_doc_names_every_key() -> None:
    from preflight.decide.config import SETTINGS, USER_KEYS

    missing = _named("config.md", set(USER_KEYS) | set(SETTINGS))
    assert not missing, f"docs/config.md does not document {missing}"


def _keys(value: Any, data_keyed: frozenset[str], opaque: frozenset[str] = frozenset()) -> set[str]:
    """Every key of a JSON document, except the names in dicts keyed by data (feature names, modes)
    and anything under an opaque key (rule-specific details)."""
    out: set[str] = set()

    def walk(v: Any, keyed_by_data: bool) -> None:
        if isinstance(v, dict):
            for k, child in v.items():
                if not keyed_by_data:
                    out.add(k)
                if keyed_by_data or k not in opaque:
                    walk(child, not keyed_by_data and k in data_keyed)
        elif isinstance(v, list):
            for child in v:
                walk(child, False)

    walk(value, False)
    return out


@pytest.fixture(scope="module")
def extra_reports(tmp_path_factory) -> dict[str, Any]:
    """An image dataset, a regression table, a table in splits, a text table: keys the demo's goldens lack."""
    folder = tmp_path_factory.mktemp("docs")
    table = folder / "reg.csv"
    table.write_text("x,y\n" + "".join(f"{i},{(i * 7) % 13 + 0.5}\n" for i in range(40)))
    splits = folder / "splits"
    splits.mkdir()
    (splits / "train.csv").write_text("x,y\n" + "".join(f"{i},{i % 3}\n" for i in range(30)))
    (splits / "test.csv").write_text("x,y\n" + "".join(f"{i},{i % 3}\n" for i in range(10)))
    (splits / "valid.csv").write_text("x,y\n" + "".join(f"{i},{i % 2}.5\n" for i in range(10)))
    return {"images": preflight.scan(ROOT / "fixtures" / "images_clean", select=["ignored-files"], cache=False),
            "regression": preflight.scan(table, select=["empty-dataset"], task="regression"),
            "splits": preflight.scan(splits, select=["PF205", "PF405"], task="regression"),
            "no-train": preflight.scan(splits / "valid.csv", select=["PF205"], task="regression"),
            "text": preflight.scan(ROOT / "fixtures" / "text" / "reviews.csv", select=["empty-dataset"],
                                   label="sentiment")}


def test_findings_doc_names_every_field(extra_reports) -> None:
    data_keyed, opaque = frozenset({"splits"}), frozenset({"details"})
    names = _keys(json.loads((GOLDEN / "demo.findings.json").read_text()), data_keyed, opaque)
    for report in extra_reports.values():
        names |= _keys(report.to_dict(), data_keyed, opaque)
    names |= {"baseline", "suppressed", "path", "known", "fixed", "new"}  # optional keys
    missing = _named("findings-json.md", names)
    assert not missing, f"docs/findings-json.md does not document {missing}"


def test_stats_doc_names_every_field(extra_reports) -> None:
    from preflight.profile.transforms import TRANSFORM_KINDS

    data_keyed = frozenset({"features", "modes", "formats", "splits", "text_columns", "truncated_share"})
    names = _keys(json.loads((GOLDEN / "demo.stats.json").read_text()), data_keyed)
    for report in extra_reports.values():
        names |= _keys(report.stats, data_keyed)
    names |= set(TRANSFORM_KINDS) | {"center", "scale", "reason", "sigmoid_bias", "positive_class"}
    missing = _named("stats-json.md", names)
    assert not missing, f"docs/stats-json.md does not document {missing}"
