"""PF304: rows whose label disagrees with what the rest of the data predicts for them.

Confident learning (cleanlab) on out-of-sample probabilities: the user's own
(--pred-probs), or cross-validated scikit-learn models fitted on preflight's
transformed features (or the user's --features).

Why: mislabeled rows cap what any model can learn and corrupt the evaluation; they
are found by looking, not tuning.

Severity follows the flagged fraction: info below warn_fraction, error from error_fraction.
Skill guard: confident learning cannot tell a label error from a correct but hard example
that sits among another class. Where the features barely predict the label, every hard
example looks mislabeled; so when skill = (accuracy - majority share) / (1 - majority share)
of the out-of-sample predictions is below min_skill, the finding is downgraded to info and
says so. Above max_rows labelled rows a content-keyed sample is searched.

Example: row 346 is labelled 'yes' but its out-of-sample probability of 'no' leads by more
than 0.5; details.issues lists the given and suggested labels and a score per row.

Fix: review the flagged rows worst first and correct the wrong labels; pass your own
model's out-of-sample probabilities (--pred-probs) or embeddings (--features) for a
sharper search."""
from __future__ import annotations

import numpy as np

from preflight.check import Check, Context, pct, preview
from preflight.checks._groups import first_by_hash
from preflight.findings import Finding
from preflight.params import Interval


class LabelIssues(Check):
    name = "label-issues"
    code = "PF304"
    kinds = frozenset({"tabular", "images"})
    needs = frozenset({"label"})
    params = {"min_rows": Interval(int, 10, None), "max_rows": Interval(int, 100, None),
              "warn_fraction": Interval(float, 0.0, 1.0),
              "error_fraction": Interval(float, 0.0, 1.0),
              "min_skill": Interval(float, -1.0, 1.0)}

    def run(self, profile, ctx: Context) -> list[Finding]:
        from preflight.learn.label_issues import find_label_issues, label_issues_from_features, skill

        p = ctx.params
        if profile.task != "classification":
            return [ctx.skipped("the label is a regression target; confident learning needs classes "
                                "(outliers and target-scale cover regression targets)")]
        images = profile.kind == "images"
        keep = (profile.y >= 0) & (profile.readable if images else True)
        labelled = np.flatnonzero(keep)
        total = labelled.size
        if total > p["max_rows"]:  # bounded cost: a content-keyed sample, said in the finding
            labelled = labelled[first_by_hash(profile.row_hash[labelled], p["max_rows"])]
        y = profile.y[labelled]
        k = len(profile.classes)
        if labelled.size < p["min_rows"] or k < 2:
            return [ctx.skipped(f"{labelled.size} labelled rows in {k} class(es); needs at least "
                                f"{p['min_rows']} rows and 2 classes")]
        pred_probs = getattr(profile, "pred_probs", None)
        if pred_probs is not None:
            probs = pred_probs[labelled]
            issues, info = find_label_issues(probs, y), {"source": "--pred-probs"}
        else:
            features = getattr(profile, "user_features", None)
            x = features if features is not None else profile.matrix[0]
            if x.shape[1] == 0:
                return [ctx.skipped("no usable features (every column was dropped)")]
            x = x[labelled]
            if images and features is None:
                x = _principal(x, ctx.settings["seed"])
            issues, info = label_issues_from_features(x, y, k, seed=ctx.settings["seed"])
            probs = info.pop("pred_probs")
            info = {"source": "--features" if features is not None else "built-in models", **info}
        if issues.rows.size == 0:
            return []
        rows = labelled[issues.rows]
        fraction = rows.size / labelled.size
        severity = ("error" if fraction >= p["error_fraction"] else
                    "warning" if fraction >= p["warn_fraction"] else "info")
        cls = profile.classes
        acc, base, sk = skill(probs, y)
        where = [profile.files[r] for r in rows] if images else [str(r) for r in rows]
        shown = [f"{w} ({cls[g]!r} -> {cls[s]!r})" for w, g, s in
                 zip(where[:3], issues.given[:3], issues.suggested[:3])]
        if sk < p["min_skill"]:
            severity = "info"
            verdict = (f"disagree with out-of-sample predictions ({preview(shown, 3)}), but the features predict "
                       f"the label only weakly (accuracy {acc:.3f} vs {base:.3f} for the majority class; skill "
                       f"{sk:.2f} < min_skill {p['min_skill']:g}): they are as likely hard examples as label errors")
        else:
            verdict = (f"look mislabeled, worst first: {preview(shown, 3)}; review them "
                       "(given vs suggested label in details)")
        sampled = (f" (searched a content-keyed sample of {labelled.size:,} of {total:,} labelled rows)"
                   if labelled.size < total else "")
        unit = "images" if images else "rows"
        key = "file" if images else "row"
        return [ctx.finding(
            f"{rows.size} {unit} ({pct(rows.size, labelled.size)}) {verdict}{sampled}",
            severity=severity, count=rows.size, **({"files": where} if images else {"rows": rows}),
            details={"issues": [{key: w if images else int(w), "given": cls[int(g)], "suggested": cls[int(s)],
                                 "score": round(float(q), 6)}
                                for w, g, s, q in zip(where, issues.given, issues.suggested, issues.scores)],
                     "fraction": round(fraction, 6), "searched_rows": int(labelled.size),
                     "skill": {"accuracy": round(acc, 6), "majority_baseline": round(base, 6), "skill": round(sk, 6)},
                     "model": {k_: v for k_, v in info.items() if isinstance(v, (str, int, float, list, dict))}})]


IMAGE_COMPONENTS = 32


def _principal(x: np.ndarray, seed: int) -> np.ndarray:
    """The image features (thumbnail pixels, colour histogram: 280 numbers) on their first 32
    principal components: the cross-validated models took 21 s on 10,000 images at full
    width and 6 s on these, and a 16x16 thumbnail's pixels are mostly redundant anyway."""
    from sklearn.decomposition import PCA

    n = min(IMAGE_COMPONENTS, x.shape[1], x.shape[0] - 1)
    if n < 2 or n >= x.shape[1]:
        return x
    return PCA(n_components=n, random_state=seed).fit_transform(x)
