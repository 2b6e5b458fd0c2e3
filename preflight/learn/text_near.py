"""Near-copies of free text: MinHash over word shingles, LSH buckets, every pair confirmed exactly.

The standard of large-scale text dedup, in numpy. A text (normalised: NFKC, case-folded) is cut
into words (runs of letters and digits) and its SHINGLE-word shingles are hashed (SipHash of the
words, then mixed: deterministic, no vocabulary). Its MinHash signature is the minimum of PERMS
cheap permutations of those hashes (multiply-add modulo 2**64 of an already mixed hash);
signatures are cut into BANDS bands of ROWS_PER_BAND values, and texts sharing a band land in
one bucket. Each bucket links its members in a chain and to its first member (linear in the
bucket's size, never all pairs), and every candidate pair is kept only when the exact Jaccard
similarity of the two shingle sets reaches the threshold. With 16 bands of 4, a pair at Jaccard
0.8 becomes a candidate with probability 0.9998, at 0.5 with 0.64, at 0.2 with 0.03: what the
exact check then removes. Measured against datasketch's MinHashLSH and scikit-learn's
HashingVectorizer + sparse neighbours in benchmarks/text_near.py (benchmarks/RESULTS.md).
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from preflight.kernels.arrow import numbers
from preflight.kernels.hashing import first_by_hash, splitmix64
from preflight.profile.text import ints, tokenize

SHINGLE = 3
PERMS = 64
BANDS = 16
ROWS_PER_BAND = PERMS // BANDS
_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def shingles(texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, hashes): each text's distinct SHINGLE-word shingle hashes, sorted, in
    hashes[offsets[i]:offsets[i + 1]]. A text shorter than SHINGLE words is one shingle of all
    its words; a text without words has none."""
    counts, codes, vocab = tokenize(texts)
    h = vocab[codes]
    doc = np.repeat(np.arange(len(counts)), counts)
    start = np.r_[0, np.cumsum(counts)][:-1]
    pos = np.arange(len(h)) - np.repeat(start, counts)  # word position within its text
    with np.errstate(over="ignore"):
        sh = h.copy()
        for k in range(1, SHINGLE):  # shingle at word i: mix of words i .. i+SHINGLE-1
            nxt = np.r_[h[k:], np.zeros(k, np.uint64)]
            same = np.r_[doc[k:] == doc[:-k], np.zeros(k, bool)] if len(h) > k else np.zeros(len(h), bool)
            sh = np.where(same, splitmix64(sh * np.uint64(31) ^ nxt), sh)
        full = pos + SHINGLE <= np.repeat(counts, counts)  # a whole shingle starts here
        short = (pos == 0) & (np.repeat(counts, counts) < SHINGLE)  # a short text: one shingle
    keep = full | short
    doc, sh = doc[keep], sh[keep]
    order = np.lexsort((sh, doc))
    doc, sh = doc[order], sh[order]
    first = np.r_[True, (doc[1:] != doc[:-1]) | (sh[1:] != sh[:-1])] if len(sh) else np.zeros(0, bool)
    doc, sh = doc[first], sh[first]
    offsets = np.r_[0, np.cumsum(np.bincount(doc, minlength=len(counts)))]
    return offsets, sh


def signatures(offsets: np.ndarray, sh: np.ndarray, seed: int) -> np.ndarray:
    """(texts x PERMS) MinHash signatures; texts without shingles get all-max rows (never bucketed)."""
    n = len(offsets) - 1
    sig = np.full((n, PERMS), _MASK, dtype=np.uint64)
    has = np.flatnonzero(np.diff(offsets) > 0)
    if not len(has):
        return sig
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63, size=PERMS, dtype=np.uint64) * np.uint64(2) + np.uint64(1)  # odd
    b = rng.integers(0, 2**63, size=PERMS, dtype=np.uint64)
    starts = offsets[has]
    with np.errstate(over="ignore"):
        for p in range(PERMS):
            sig[has, p] = np.minimum.reduceat(sh * a[p] + b[p], starts)
    return sig


def candidate_pairs(sig: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """(m x 2) distinct index pairs sharing an LSH band: within a bucket, each member with the
    next and with the first (linear in the bucket, never all pairs)."""
    pairs = []
    idx = np.flatnonzero(usable)
    for band in range(BANDS):
        cols = sig[idx, band * ROWS_PER_BAND:(band + 1) * ROWS_PER_BAND]
        key = np.zeros(len(idx), np.uint64)
        for j in range(ROWS_PER_BAND):
            key = splitmix64(key ^ cols[:, j])
        order = np.argsort(key, kind="stable")
        k, members = key[order], idx[order]
        same = k[1:] == k[:-1]
        if not same.any():
            continue
        pairs.append(np.stack([members[:-1][same], members[1:][same]], axis=1))  # chain
        start = np.flatnonzero(np.r_[True, ~same])
        head = members[start][np.cumsum(np.r_[True, ~same]) - 1]  # each member's bucket head
        linked = head != members
        pairs.append(np.stack([head[linked], members[linked]], axis=1))
    if not pairs:
        return np.zeros((0, 2), np.int64)
    p = np.concatenate(pairs).astype(np.int64)
    p = np.sort(p, axis=1)
    return np.unique(p[p[:, 0] != p[:, 1]], axis=0)


def jaccard(offsets: np.ndarray, sh: np.ndarray, i: int, j: int) -> float:
    a, b = sh[offsets[i]:offsets[i + 1]], sh[offsets[j]:offsets[j + 1]]
    common = np.intersect1d(a, b, assume_unique=True).size
    union = a.size + b.size - common
    return common / union if union else 0.0


def near_text_pairs(texts: pa.Array, *, threshold: float, seed: int) -> tuple[np.ndarray, dict]:
    """Pairs (i, j), i < j, of texts whose word-shingle Jaccard similarity is at least threshold."""
    offsets, sh = shingles(texts)
    sig = signatures(offsets, sh, seed)
    cand = candidate_pairs(sig, np.diff(offsets) > 0)
    keep = [k for k, (i, j) in enumerate(cand.tolist()) if jaccard(offsets, sh, i, j) >= threshold]
    info = {"method": "minhash-lsh", "shingle_words": SHINGLE, "permutations": PERMS, "bands": BANDS,
            "jaccard": threshold, "candidate_pairs": len(cand), "confirmed_pairs": len(keep)}
    return cand[keep], info


def text_near_groups(docs: pa.Array, text_hash: np.ndarray, other_key: np.ndarray | None, *, threshold: float,
                     seed: int, max_texts: int) -> tuple[list[list[int]], dict]:
    """Groups of rows (exact copies included) whose texts are near-copies and whose other
    columns (other_key, a hash per row; None: no other columns) are equal. docs: one text per
    row, null where missing (such rows are never grouped). Above max_texts distinct texts, the
    max_texts with the smallest hashes are searched (a content-keyed sample)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(docs)
    present = ~numbers(pc.cast(pc.is_null(docs), pa.int64()), 1).astype(bool)
    rows = np.flatnonzero(present)
    uniq, first, inverse = np.unique(text_hash[rows], return_index=True, return_inverse=True)
    searched = np.arange(len(uniq))
    sampled = len(uniq) > max_texts
    if sampled:
        searched = first_by_hash(uniq, max_texts)
    chosen = rows[first[searched]]
    pairs, info = near_text_pairs(pc.take(docs, ints(chosen)), threshold=threshold, seed=seed) \
        if len(chosen) > 1 else (np.zeros((0, 2), np.int64), {})
    a, b = searched[pairs[:, 0]], searched[pairs[:, 1]]
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(len(uniq), len(uniq)))
    _, component = connected_components(graph, directed=False)
    label = np.full(n, -1, np.int64)
    label[rows] = component[inverse]
    key = label.astype(np.uint64)
    if other_key is not None:
        key = splitmix64(key ^ other_key)
    order = np.lexsort((np.arange(n), key))
    order = order[present[order]]
    k = key[order]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]]) if len(k) else np.zeros(0, np.int64)
    groups = [sorted(int(i) for i in g) for g in np.split(order, starts[1:]) if len(g) > 1]
    groups.sort(key=lambda g: g[0])
    info.update(texts=len(uniq), texts_searched=len(searched), sampled=bool(sampled),
                groups=len(groups))
    return groups, info
