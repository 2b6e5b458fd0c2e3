"""What report.html shows for free-text columns: the length histogram with the sequence-length
recommendation, and duplicate texts side by side with the words that differ highlighted."""
from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from preflight.profile.text import normalise

SNIPPET = 200      # characters of a text shown in a row table
DIFF_WORDS = 300   # words of each text compared and shown side by side


def snippet(text: str) -> str:
    return text if len(text) <= SNIPPET else text[:SNIPPET].rstrip() + " …"


def text_sections(profile: Any, stats: Mapping[str, Any], words: Mapping[str, dict], fmt: Any) -> list[dict]:
    """Per text column: a histogram of words per text (`words`: drawn from pass 2's tallies, absent
    when no text is present) and what stats.json recommends."""
    out = []
    for col in getattr(profile, "text_columns", []):
        s = stats.get("text_columns", {}).get(col.name)
        if s is None or col.name not in words:
            continue
        cover = s["max_length"]
        facts = [("texts", f"{s['count']:,}"), ("median words", fmt(s["words"]["quantiles"]["p50"])),
                 ("median characters", fmt(s["chars"]["quantiles"]["p50"])), ("vocabulary", f"{s['vocabulary']:,}"),
                 ("missing or empty", f"{100 * s['empty_share']:.1f}%"),
                 (f"very short (< {3} words)", f"{100 * s['very_short_share']:.1f}%"),
                 ("max length covering 95%", f"{cover['p95']:,} words"),
                 ("max length covering 99%", f"{cover['p99']:,} words")]
        facts += [(f"truncated at {n}", f"{100 * share:.1f}%") for n, share in s["truncated_share"].items()]
        out.append({"name": col.name, "words": words[col.name],
                    "note": (f"Whitespace words per text. A maximum sequence length of {cover['p95']:,} covers 95% "
                             f"of texts, {cover['p99']:,} covers 99%; subword tokenizers give more tokens than words "
                             "(often 1.3x for English), so scale these for yours."),
                    "facts": [{"name": k, "value": v} for k, v in facts]})
    return out


def _words(texts: Mapping[int, Mapping[str, str | None]], name: str, row: int) -> list[str]:
    text = texts[row][name] or ""
    return text.split()[:DIFF_WORDS]


def side_by_side(profile: Any, members: list[int], texts: Mapping[int, Mapping[str, str | None]]) -> list[dict]:
    """The first member's text beside each other member's, per text column: words that differ
    after normalising (profile/text.normalise) are marked hot (difflib's matching blocks).
    texts: the members' cells as written, per row and column (gathered in pass 2)."""
    out = []
    for col in getattr(profile, "text_columns", []):
        first = _words(texts, col.name, members[0])
        for other in members[1:]:
            words = _words(texts, col.name, other)
            hot_a, hot_b = [True] * len(first), [True] * len(words)
            same_a, same_b = [normalise(w) for w in first], [normalise(w) for w in words]  # case is no difference
            matcher = difflib.SequenceMatcher(None, same_a, same_b, autojunk=False)
            for a, b, size in matcher.get_matching_blocks():
                hot_a[a:a + size] = [False] * size
                hot_b[b:b + size] = [False] * size
            out.append({"column": col.name, "rows": [int(members[0]), int(other)],
                        "left": [{"w": w, "hot": h} for w, h in zip(first, hot_a)],
                        "right": [{"w": w, "hot": h} for w, h in zip(words, hot_b)]})
    return out
