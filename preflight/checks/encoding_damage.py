"""free text damaged by a wrong character encoding: U+FFFD replacement characters or mojibake.

Why: "cafÃ©" for "café" and "donâ€™t" for "don't" are UTF-8 read as Latin-1 or Windows-1252;
"caf\ufffd" is a byte that could not be decoded at all. A tokenizer splits such words into
rare pieces, the same word gets two spellings, and the damage usually follows one source (a
label-correlated artefact a model can learn).

Example: review on row 4 = "the cafÃ© was great", row 8 = "na\ufffdve".

Fix: decode the source with its real encoding (ftfy repairs most mojibake), then rescan."""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from preflight.checks.base import Check, Context, Scoring, pct, preview
from preflight.checks.texts import Hits, TextScorer, finds, flagged, listing, matching, text_columns
from preflight.findings import Finding

REPLACEMENT = "\ufffd"
# UTF-8 bytes of a Latin-1 letter or a typographic sign read as Latin-1 / Windows-1252:
# Ã followed by a continuation byte (é -> Ã©), â€ followed by one (’ -> â€™), Â before a
# Latin-1 sign (NBSP -> Â followed by NBSP, £ -> Â£).
MOJIBAKE = ("Ã[\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e"
            "\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]|â€[\u0080-\u00bf\u0153\u0161\u017e\u02dc\u2018-\u201d"
            "\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]|Â[\u00a0-\u00bf]")
_FIND = re.compile(f"{REPLACEMENT}|{MOJIBAKE}")


@dataclass(frozen=True)
class Damaged(TextScorer):
    """The damaged cells, how many hold U+FFFD, and every distinct damaged fragment (a few
    hundred at most: the pattern's alphabet)."""

    def judge(self, texts: pa.Array, start: int) -> Hits:
        hit = finds(texts, matching(texts, f"{REPLACEMENT}|{MOJIBAKE}"), _FIND)
        rows = np.array(sorted(hit), np.int64)
        return Hits(listing(rows, start, self.limit), {"replacement": sum(REPLACEMENT in hs for hs in hit.values())},
                    {"fragments": {h for hs in hit.values() for h in hs}})


class EncodingDamage(Check):
    name = "encoding-damage"
    code = "PF602"
    summary = "Free text with U+FFFD replacement characters or mojibake (UTF-8 read as Latin-1: 'Ã©', 'â€™')."

    def score(self, profile, ctx: Context) -> Scoring:
        return (yield {col.name: Damaged(col.name, ctx.max_rows) for col in text_columns(profile)})

    def run(self, profile, ctx: Context) -> list[Finding]:
        out = []
        for col, hits in flagged(profile, ctx.scored):
            n = hits.rows.count
            seen = sorted(hits.seen.get("fragments", set()))
            replacement = hits.counts.get("replacement", 0)
            out.append(ctx.finding(
                f"column '{col.name}': {n} texts ({pct(n, col.rows)}) show encoding damage "
                f"({replacement} with U+FFFD, {n - replacement} with mojibake such as "
                f"{preview([repr(s) for s in seen if s != REPLACEMENT] or ['-'], 4)}); decode the source with its "
                "real encoding (ftfy repairs most mojibake)",
                rows=hits.rows.rows, count=n, truncated=hits.rows.truncated, columns=[col.name],
                details={"replacement_character": replacement, "mojibake": int(n - replacement),
                         "fragments": seen[:20]}))
        return out
