"""identical features, different labels: at least one label in each group is wrong.

Why: no model can fit both labels; the pair caps the reachable accuracy, adds noise to the
gradient, and one of them is a labelling error that also corrupts evaluation.

Example: rows 20 and 404 have the same features; row 20 says churn = no, row 404 yes.

Fix: review the group and correct or drop the wrong labels (or add the feature that
tells them apart).

Tables, classification: rows identical in every feature column (dropped ones included),
and (with `near`) near-copies in the transformed feature space, as near-duplicates finds
them, that are also identical in the columns the models drop (two passengers with other
names are two passengers); the message says which columns were compared. Severity weighs
chance as duplicate-rows does: where equal feature vectors are as common as a few
discrete columns make them (a designed experiment, a count table), the features do not
pin the label down and differing labels are natural overlap: info (details.evidence).
Free text (columns of kind text) is compared normalised (NFKC, case-folded, whitespace
collapsed), and near-copies of it are texts whose word shingles overlap by at least the
setting text_near_jaccard (MinHash, confirmed exactly), with the other columns equal; a shared
text is never chance overlap.
Tables, regression: equal inputs with different targets are the target's noise, not a
labelling conflict: one info finding gives its level (pooled within-group std against
the target's std).

Images: the same or a near-same picture (pHash within image_hash_radius, thumbnails
alike, as near-duplicates finds them) filed under different classes."""
from __future__ import annotations

import numpy as np

from preflight.checks.base import Check, Context, Scoring, pct
from preflight.checks.chance import chance_of
from preflight.checks.groups import AFTER_NORMALISING, hash_groups, texts_present, widen
from preflight.checks.near_pairs import dropped_columns, dropped_key, near_rows, pair_groups, sample_note
from preflight.findings import Finding, plural
from preflight.params import Boolean, Interval


class ConflictingLabels(Check):
    name = "conflicting-labels"
    code = "PF202"
    summary = "Rows (or images) with identical or near-identical features carry different labels."
    report_section = "duplicates"
    kinds = frozenset({"tabular", "images"})
    needs = frozenset({"label"})
    params = {"near": Boolean(), "min_chance": Interval(float, 0.0, 1.0)}

    def score(self, profile, ctx: Context) -> Scoring | None:
        if profile.kind != "tabular" or profile.task == "regression" or not ctx.params["near"] or profile.rows < 2:
            return None
        return near_rows(profile, ctx.max_rows)  # above sample_rows rows: every row in pass 2

    def run(self, profile, ctx: Context) -> list[Finding]:
        if profile.kind == "images":
            return _images(profile, ctx)
        label = profile.label
        present = ~label.missing_mask & ~label.nonfinite_mask
        exact = hash_groups(profile.feature_hash, present)
        if profile.task == "regression":
            return _regression(profile, ctx, exact)
        labels = profile.y if profile.y is not None else label.values
        dropped = dropped_columns(profile)
        texts = profile.text_columns
        compared = f"all {len(profile.columns)} feature columns"
        if ctx.params["near"] and profile.rows >= 2:
            from preflight.learn.near_duplicates import near_groups

            # Near-copy groups contain the exact ones: they replace them, split where a
            # column the models drop (a name, a ticket number) tells the rows apart. Above
            # sample_rows rows they are searched among the row sample, joined by every other row's
            # near-copies (pass 2: in the sample, and among the rest) that are equal in the dropped
            # columns too, and by
            # every exact group.
            view, at = profile.sampled
            candidates = _split(map(np.asarray, near_groups(view)[0]), present if at is None else present[at],
                                dropped, view.rows)
            if at is not None:
                pairs = [p for p in pair_groups(profile, only_same=True) if present[p].all()]
                candidates = widen([at[g] for g in candidates], [*exact, *pairs], profile.rows)
            used = len(profile.columns) - len(dropped) - len(texts)
            compared = (f"the {used} model columns equal or within the near-duplicate radius"
                        + (f", the {len(dropped)} dropped ones equal" if dropped else "")
                        + (f"; near-copies {sample_note(profile, at.size)}" if at is not None else ""))
            if texts and profile.user_features is None:
                others = len(profile.columns) - len(texts)
                jaccard = profile.settings["text_near_jaccard"]
                compared = (f"text near-copies (word-shingle Jaccard at least {jaccard:g})"
                            + (f", the other {others} columns equal" if others else ""))
        else:
            candidates = exact
        groups = [g for g in candidates if np.unique(labels[g]).size > 1]
        if not groups:
            return []
        rows = np.sort(np.concatenate(groups))
        shown = [", ".join(f"{r}:{_label(profile, r)}" for r in g[:4]) for g in groups[:3]]
        view, at = profile.sampled  # chance is measured on the row sample above sample_rows rows
        chance = chance_of(list(view.columns), np.flatnonzero(present if at is None else present[at]))
        on = f" in a content-keyed sample of {at.size:,} rows" if at is not None else ""
        if texts and compared.startswith("all"):
            compared += AFTER_NORMALISING
        shared = any(texts_present(texts, g) for g in groups)
        if shared:
            severity, verdict = None, "fix or drop the wrong labels (a shared free text is no chance overlap)"
        elif chance.probability >= ctx.params["min_chance"]:
            severity, verdict = "info", ("equal feature vectors are as common as chance makes them with so few "
                                         "distinct values: the features do not pin the label down, and differing "
                                         "labels are natural overlap; add features that tell them apart")
        else:
            severity, verdict = None, "fix or drop the wrong labels"
        return [ctx.finding(
            f"{rows.size} rows in {plural(len(groups), 'group')}"
            f" have identical features ({compared}) but different labels "
            f"({'; '.join(shown)}{'; ...' if len(groups) > 3 else ''}): "
            f"{'texts do not repeat by chance' if shared else chance.says() + on}; {verdict}",
            severity=severity, rows=rows, groups=groups,
            details={"labels": [[_label(profile, r) for r in g] for g in groups[:1000]],
                     "compared": compared, "evidence": chance.to_dict()})]


def _split(groups, present: np.ndarray, dropped: list, rows: int) -> list[np.ndarray]:
    """Each group's labelled rows, split by the values of the dropped columns."""
    key = dropped_key(dropped, [False] * len(dropped), rows) if dropped else None  # an empty column: hashes None
    out = []
    for g in groups:
        g = g[present[g]]
        if key is None:
            out.append(g)
            continue
        for k in np.unique(key[g]):
            part = g[key[g] == k]
            if part.size > 1:
                out.append(part)
    return out


def _regression(profile, ctx: Context, groups: list[np.ndarray]) -> list[Finding]:
    """Equal inputs, different targets: the noise level of the target, as info."""
    y = profile.label.values
    groups = [g for g in groups if np.ptp(y[g]) > 0]
    if not groups:
        return []
    rows = np.sort(np.concatenate(groups))
    within = sum(float(((y[g] - y[g].mean()) ** 2).sum()) for g in groups)
    noise = (within / sum(g.size - 1 for g in groups)) ** 0.5
    spread = float(profile.label.std)
    ratio = noise / spread if spread > 0 else 0.0
    shown = [", ".join(f"{r}:{y[r]:g}" for r in g[:4]) for g in groups[:3]]
    return [ctx.finding(
        f"{rows.size} rows in {plural(len(groups), 'group')}"
        f" ({pct(rows.size, profile.rows)}) share every feature but not the "
        f"target ({'; '.join(shown)}{'; ...' if len(groups) > 3 else ''}): the target's noise at equal inputs is "
        f"{noise:.4g} (pooled within-group std), {ratio:.0%} of its std {spread:.4g}; no model gets below it "
        "(a regression target, so not a labelling conflict)",
        severity="info", rows=rows, groups=groups,
        details={"noise_std": round(noise, 6), "target_std": round(spread, 6), "noise_ratio": round(ratio, 6)})]


def _images(profile, ctx: Context) -> list[Finding]:
    from preflight.checks.images import near_radius, path_groups, shown_groups, similar_groups

    radius = near_radius(profile, ctx.settings)
    labels = profile.y if profile.y is not None else profile.label.values
    present = ~profile.label.missing_mask
    groups = []
    for g in similar_groups(profile, radius):
        g = g[present[g]]
        if np.unique(labels[g]).size > 1:
            groups.append(g)
    if not groups:
        return []
    named = path_groups(profile, groups)
    files = sorted(f for g in named for f in g)
    return [ctx.finding(
        f"{len(files)} images in {plural(len(named), 'group')}"
        f" are the same or near-same picture (perceptual hash within "
        f"{radius} bits, thumbnails alike) filed under different classes ({shown_groups(named)}); fix or drop "
        "the wrong labels",
        files=files, groups=named, count=len(files),
        details={"labels": [[_label(profile, r) for r in g] for g in groups[:1000]], "radius": radius})]


def _label(profile, row: int):
    if profile.y is not None:
        return profile.classes[int(profile.y[row])]
    return float(profile.label.values[row])
