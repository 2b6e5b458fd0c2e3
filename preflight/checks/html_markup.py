"""free text with leftover HTML: tags such as <br> or <div class=...>, entities such as &amp;.

Why: markup left by a scraper or a rich-text export is noise the model reads as words: "br"
becomes a frequent token, "&amp;" a word of its own, and markup often marks one source or
period (a feature correlated with the label that will not exist in production inputs).

Example: review on row 2 = "Great phone!<br/>Battery lasts &amp; lasts".

Fix: strip the markup and unescape entities before training (html.unescape, an HTML parser's
get_text)."""
from __future__ import annotations

import re

import numpy as np

from preflight.checks.base import Check, Context, pct, preview
from preflight.checks.texts import finds, matching, text_columns
from preflight.findings import Finding

TAG = r"</?[A-Za-z][A-Za-z0-9]{0,15}(?:\s[^<>]{0,200})?/?>"
ENTITY = r"&(?:[A-Za-z]{2,8}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});"
_FIND = re.compile(f"({TAG})|({ENTITY})")
_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)")


class HtmlMarkup(Check):
    name = "html-markup"
    code = "PF603"
    summary = "Free text with leftover HTML tags (<br>, <div ...>) or entities (&amp;, &#39;)."

    def run(self, profile, ctx: Context) -> list[Finding]:
        out = []
        for col in text_columns(profile):
            hit = finds(col, matching(col, f"{TAG}|{ENTITY}"), _FIND)
            if not hit:
                continue
            rows = np.array(sorted(hit))
            tags = sorted({"<" + _NAME.match(t).group(1).lower() + ">" for hs in hit.values() for t, _ in hs if t})
            entities = sorted({e for hs in hit.values() for _, e in hs if e})
            out.append(ctx.finding(
                f"column '{col.name}': {rows.size} texts ({pct(rows.size, col.rows)}) hold HTML markup "
                f"({preview(tags + entities, 5)}); strip tags and unescape entities before training",
                rows=rows, columns=[col.name], details={"tags": tags[:50], "entities": entities[:50]}))
        return out
