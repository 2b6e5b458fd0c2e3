"""Free-text columns: recognised, measured and normalised once, in the profile.

A column of sentences (tickets, reviews, news) is the data itself: not an identifier to drop,
not categories to one-hot, and its stray spaces are not whitespace noise. A column is text when
most of its values are several words (median at least MIN_WORDS whitespace tokens, or SOME_WORDS
and SOME_CHARS characters: "Braund, Mr. Owen Harris" stays a name) and its values are many
(more than `onehot_max_categories` distinct, or half the present cells). Its cells are then
compared after normalising (Unicode NFKC, case-folded, whitespace collapsed): its content
hashes, and so every row hash, duplicate-rows and conflicting-labels, see "Hello  World" and
"hello world" as one text.
"""
from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from preflight.kernels.arrow import mask, numbers, strings
from preflight.kernels.hashing import MISSING_HASH, combine, hash_floats
from preflight.kernels.siphash import hash_strings

MIN_WORDS = 5
SOME_WORDS, SOME_CHARS = 3, 30
VERY_SHORT_WORDS = 3  # fewer whitespace tokens than this: a very short text
TRUNCATE_AT = (32, 64, 128, 256, 512, 1024, 2048)  # sequence lengths whose truncated share stats.json gives
QUANTILES = {"p01": 0.01, "p05": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95, "p99": 0.99}


def _words(texts: pa.Array) -> np.ndarray:
    return numbers(pc.cast(pc.list_value_length(pc.utf8_split_whitespace(texts)), pa.int64()), 0)


def _chars(texts: pa.Array) -> np.ndarray:
    return numbers(pc.cast(pc.utf8_length(texts), pa.int64()), 0)


def lengths(texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Characters of each trimmed text and its whitespace words (0 for a null): TextProfile's
    chars and words."""
    return _chars(pc.utf8_trim_whitespace(texts)), _words(texts)


def ints(x: np.ndarray) -> pa.Array:
    """int64 numpy -> Arrow, through its buffer (pa.array would import pandas: kernels/arrow.py)."""
    x = np.ascontiguousarray(x, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(x), [None, pa.py_buffer(x)])


def wordy(texts: pa.Array) -> bool:
    """Most of these (trimmed, present) texts are several words: sentences, not labels or names."""
    if len(texts) == 0:
        return False
    words, chars = float(np.median(_words(texts))), float(np.median(_chars(texts)))
    return words >= MIN_WORDS or (words >= SOME_WORDS and chars >= SOME_CHARS)


def tokenize(texts: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Words (runs of letters and digits) of each text: (words per text, each word's code into
    the distinct words in order of first appearance, each distinct word's SipHash). Vectorised:
    the distinct words are hashed once (a corpus of 3 million words holds ~70,000)."""
    words = pc.utf8_split_whitespace(pc.replace_substring_regex(texts, r"[^\pL\pN]+", " "))
    counts = numbers(pc.cast(pc.fill_null(pc.list_value_length(words), 0), pa.int64()), 0)
    flat = pc.dictionary_encode(pc.list_flatten(words))
    codes = numbers(pc.cast(flat.indices, pa.int64()), 0) if len(flat) else np.zeros(0, np.int64)
    vocab = hash_strings(flat.dictionary) if len(flat.dictionary) else np.zeros(0, np.uint64)
    return counts, codes, vocab


def normalise(text: str) -> str:
    """NFKC, case-folded, whitespace collapsed: how two texts are compared."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@dataclass
class TextProfile:
    """Per row of one text column: lengths and the normalised text (None where missing)."""

    chars: np.ndarray        # int64 characters per row (0 where missing)
    words: np.ndarray        # int64 whitespace tokens per row (0 where missing)
    normalised: pa.Array     # the normalised text per row, null where missing
    hashes: np.ndarray       # uint64 SipHash of the normalised text, MISSING_HASH where missing
    vocabulary: int          # distinct case-folded whitespace tokens


def mark_text_columns(profiles: Mapping[str, Any], features: list[str], settings: Mapping[str, Any]) -> list[str]:
    """Find the free-text features, give them kind "text" and a TextProfile, and compare their
    cells normalised (col.hashes). Other columns drop the raw texts kept for this test."""
    found = []
    for name, col in profiles.items():
        if name in features and col.texts is not None and _is_text(col, settings):
            col.text = _measure(col)
            col.kind = "text"
            col.hashes = col.text.hashes
            found.append(name)
        else:
            col.texts = None
    return found


def row_hashes(profiles: Mapping[str, Any], features: list[str],
               label: str | None) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The feature and row hashes again, from each column's hashes (text ones normalised), as one
    chunk each: what profile/tabular.py combines batch by batch."""
    def cells(col: Any) -> np.ndarray:
        return col.hashes if col.hashes is not None else hash_floats(col.values, col.missing_mask)

    n = profiles[features[0]].rows if features else 0
    fh = combine([cells(profiles[c]) for c in features], n)
    rh = combine([fh, cells(profiles[label])], n) if label else fh
    return [fh], [rh]


def _is_text(col: Any, settings: Mapping[str, Any]) -> bool:
    present = col.rows - col.missing
    if col.kind not in ("categorical", "mixed") or present == 0 or col.text_count < col.numeric_count:
        return False
    kept = pc.filter(pc.utf8_trim_whitespace(col.texts), mask(~col.missing_mask))
    if not wordy(kept):
        return False
    many = int(settings.get("onehot_max_categories", 50))
    return col.distinct > many or col.distinct >= 0.5 * present


def _measure(col: Any) -> TextProfile:
    enc = pc.dictionary_encode(col.texts)
    index = numbers(pc.cast(enc.indices, pa.int64()), -1).astype(np.intp)
    missing = col.missing_mask
    norm = [normalise(t) for t in enc.dictionary.to_pylist()]
    distinct = strings(norm)
    h = np.append(hash_strings(distinct), MISSING_HASH)[index]
    h[missing] = MISSING_HASH
    chars = np.where(missing, 0, np.append(_chars(pc.utf8_trim_whitespace(enc.dictionary)), 0)[index])
    words = np.where(missing, 0, np.append(_words(enc.dictionary), 0)[index])
    normalised = pc.if_else(mask(missing), pa.scalar(None, pa.string()),
                            pc.take(distinct, ints(np.where(index < 0, 0, index))))
    used = np.unique(index[~missing])
    tokens = pc.list_flatten(pc.utf8_split_whitespace(pc.take(distinct, ints(used))))
    vocabulary = len(pc.unique(tokens)) if len(tokens) else 0
    return TextProfile(chars=chars.astype(np.int64), words=words.astype(np.int64), normalised=normalised,
                       hashes=h.astype(np.uint64), vocabulary=int(vocabulary))


def text_stats(col: Any, rows: np.ndarray | None = None) -> dict[str, Any]:
    """stats.json's `text_columns.<name>` (docs/stats-json.md), over the rows in the boolean mask
    `rows` (the training split's, so a tokenizer's max_length is fitted there like every other
    transform) or over every row."""
    t: TextProfile = col.text
    present = ~col.missing_mask
    vocabulary, total, missing = t.vocabulary, col.rows, int(col.missing)
    if rows is not None:
        total, missing = int(rows.sum()), int((rows & ~present).sum())
        present = present & rows
        tokens = pc.list_flatten(pc.utf8_split_whitespace(t.normalised.filter(mask(present))))
        vocabulary = len(pc.unique(tokens)) if len(tokens) else 0
    n = int(present.sum())
    words, chars = t.words[present], t.chars[present]

    def spread(x: np.ndarray) -> dict[str, Any]:
        if x.size == 0:
            return {"mean": None, "min": None, "max": None, "quantiles": dict.fromkeys(QUANTILES)}
        qs = np.quantile(x, list(QUANTILES.values()))
        return {"mean": float(f"{x.mean():.12g}"), "min": int(x.min()), "max": int(x.max()),
                "quantiles": {k: float(f"{v:.12g}") for k, v in zip(QUANTILES, qs)}}

    cover = {k: (math.ceil(float(np.quantile(words, q))) if n else 0) for k, q in (("p95", 0.95), ("p99", 0.99))}
    return {
        "count": n, "missing": missing, "empty_share": _share(missing, total),
        "very_short": int((words < VERY_SHORT_WORDS).sum()),
        "very_short_share": _share(int((words < VERY_SHORT_WORDS).sum()), n),
        "chars": spread(chars), "words": spread(words), "vocabulary": int(vocabulary),
        "max_length": cover,
        "truncated_share": {str(L): _share(int((words > L).sum()), n) for L in TRUNCATE_AT},
    }


def _share(part: int, whole: int) -> float:
    return float(f"{part / whole:.12g}") if whole else 0.0
