"""free text with leftover HTML: tags such as <br> or <div class=...>, entities such as &amp;.

Why: markup left by a scraper or a rich-text export is noise the model reads as words: "br"
becomes a frequent token, "&amp;" a word of its own, and markup often marks one source or
period (a feature correlated with the label that will not exist in production inputs).

Example: review on row 2 = "Great phone!<br/>Battery lasts &amp; lasts".

Fix: strip the markup and unescape entities before training (html.unescape, an HTML parser's
get_text)."""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from preflight.checks.base import Check, Context, Scoring, pct, preview
from preflight.checks.texts import Hits, TextScorer, finds, flagged, listing, matching, text_columns
from preflight.findings import Finding

TAG = r"</?[A-Za-z][A-Za-z0-9]{0,15}(?:\s[^<>]{0,200})?/?>"
ENTITY = r"&(?:[A-Za-z]{2,8}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});"
_FIND = re.compile(f"({TAG})|({ENTITY})")
_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)")


@dataclass(frozen=True)
class Markup(TextScorer):
    """The cells with markup, and the distinct tag names and entities: the message counts them
    all, so they are kept whole (bounded by the markup's vocabulary, not by the rows)."""

    def judge(self, texts: pa.Array, start: int) -> Hits:
        hit = finds(texts, matching(texts, f"{TAG}|{ENTITY}"), _FIND)
        rows = np.array(sorted(hit), np.int64)
        tags = {"<" + _NAME.match(t).group(1).lower() + ">" for hs in hit.values() for t, _ in hs if t}
        return Hits(listing(rows, start, self.limit),
                    seen={"tags": tags, "entities": {e for hs in hit.values() for _, e in hs if e}})


class HtmlMarkup(Check):
    name = "html-markup"
    code = "PF603"
    summary = "Free text with leftover HTML tags (<br>, <div ...>) or entities (&amp;, &#39;)."

    def score(self, profile, ctx: Context) -> Scoring:
        return (yield {col.name: Markup(col.name, ctx.max_rows) for col in text_columns(profile)})

    def run(self, profile, ctx: Context) -> list[Finding]:
        out = []
        for col, hits in flagged(profile, ctx.scored):
            n = hits.rows.count
            tags, entities = sorted(hits.seen.get("tags", set())), sorted(hits.seen.get("entities", set()))
            out.append(ctx.finding(
                f"column '{col.name}': {n} texts ({pct(n, col.rows)}) hold HTML markup "
                f"({preview(tags + entities, 5)}); strip tags and unescape entities before training",
                rows=hits.rows.rows, count=n, truncated=hits.rows.truncated, columns=[col.name],
                details={"tags": tags[:50], "entities": entities[:50]}))
        return out
